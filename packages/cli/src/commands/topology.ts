/** `fmls topology show`: the nodes and links the agent built for a task, and how they changed (M-8.2). */
import type { Command } from 'commander';
import { agentOption, withAgent } from '../agent-client';
import { jsonText } from '../agent-views/table';
import { formatTopology, topologyJson } from '../agent-views/topology-view';
import { runAction } from '../run-action';
import { addClientTlsOptions } from '../tls-options';

export function registerTopologyCommands(program: Command): void {
  const topology = program
    .command('topology')
    .description("Show a task's topology at an FMLMS agent (show)")
    .addHelpText('after', '\nExample:\n  $ fmls topology show t-1a2b3c');

  topology
    .command('show')
    .description('Show the shape, version, nodes (role, address, state), links and change history of a task\'s topology')
    .argument('<task-id>', 'task id (from fmls task list)')
    .addOption(agentOption())
    .option('--json', 'print one JSON object')
    .addHelpText('after', `
Nodes are active, dropped (left or failed; the task went on without them) or lost (missed
heartbeats). Links: updates (data owner <-> coordinator), audit (any node -> auditor).

Example:
  $ fmls topology show t-1a2b3c
  task t-1a2b3c: star topology, version 2
  ...`)
    .action(
      runAction(async (taskId: string, flags: { agent: string; json?: boolean }) => {
        const topo = await withAgent(flags, (a) => a.getTopology({ taskId }), {
          notFound: 'fmls task list shows the tasks; a queued task has no topology yet',
          precondition: 'a queued task has no topology yet: fmls task status shows what it waits for',
        });
        const json = topologyJson(topo);
        if (flags.json) process.stdout.write(jsonText(json));
        else process.stdout.write(formatTopology(json));
      }),
    );

  addClientTlsOptions(topology);
}
