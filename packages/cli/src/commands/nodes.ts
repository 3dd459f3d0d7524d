/** `fmls nodes list|set`: the nodes registered with an FMLMS agent and their attributes (M-8.1, M-8.3). */
import type { Command } from 'commander';
import { agentOption, withAgent } from '../agent-client';
import { NODE_KEYS, parseNodeAssignments } from '../agent-views/node-attributes';
import { formatNode, formatNodeList, nodeJson } from '../agent-views/node-view';
import { jsonText } from '../agent-views/table';
import { runAction } from '../run-action';
import { addClientTlsOptions } from '../tls-options';

interface AgentFlags {
  agent: string;
  json?: boolean;
}

function printJson(value: unknown): void {
  process.stdout.write(jsonText(value));
}

export function registerNodesCommands(program: Command): void {
  const nodes = program
    .command('nodes')
    .description('Show and change the nodes registered with an FMLMS agent (list, set)')
    .addHelpText('after', '\nExample:\n  $ fmls nodes list --agent 127.0.0.1:7300\n  $ fmls nodes set data-owner-7201 bandwidth_mbps=100');

  nodes
    .command('list')
    .description('List registered nodes: roles, status, resources, tasks served, datasets offered (name and rows)')
    .addOption(agentOption())
    .option('--json', 'print a JSON array of node objects')
    .addHelpText('after', `
STATUS is online or lost (missed heartbeats). DISK MB is measured free disk; BW Mbps the declared
bandwidth; MAX the tasks the node serves at once.

Example:
  $ fmls nodes list
  ID               ROLES        STATUS  CPUS  GPUS  BACKEND     DISK MB  BW Mbps  MAX  TASKS     DATASETS
  coordinator-7000 coordinator  online     8     0  tensorflow    51200     1000    2  t-1a2b3c  -
  data-owner-7201  data-owner   online     4     0  wasm          20480      100    1  t-1a2b3c  breast-cancer(190)`)
    .action(
      runAction(async (flags: AgentFlags) => {
        const list = await withAgent(flags, (a) => a.listNodes());
        const rows = list.nodes.map(nodeJson);
        if (flags.json) printJson(rows);
        else process.stdout.write(formatNodeList(rows));
      }),
    );

  const keys = Object.entries(NODE_KEYS).map(([k, rule]) => `  ${k.padEnd(15)} ${rule.what}`).join('\n');
  nodes
    .command('set')
    .description('Change attributes of a registered node; the agent schedules with the new values at once')
    .argument('<id>', 'node id (from nodes list)')
    .argument('<key=value...>', 'one or more attributes to set')
    .addOption(agentOption())
    .option('--json', 'print the updated node as one JSON object')
    .addHelpText('after', `\nKeys:\n${keys}\n\nExample:\n  $ fmls nodes set data-owner-7201 bandwidth_mbps=100 max_tasks=2`)
    .action(
      runAction(async (id: string, words: string[], flags: AgentFlags) => {
        const values = parseNodeAssignments(words);
        const node = await withAgent(flags, (a) => a.setNodeAttributes({ nodeId: id, values }), {
          notFound: 'fmls nodes list shows the registered nodes',
        });
        const json = nodeJson(node);
        if (flags.json) printJson(json);
        else process.stdout.write(formatNode(json));
      }),
    );

  addClientTlsOptions(nodes);
}
