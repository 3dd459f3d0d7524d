/**
 * Options and set-up shared by the role daemons when they register with an agent
 * (`--agent`) instead of being given a task: identity, declared attributes (M-8.3),
 * and the link that registers, heartbeats and polls for work.
 */
import { Option, type Command } from 'commander';
import { cpuCount, detectGpus, freeDiskMb, type Logger, type NodeRole } from '@fmls/core';
import { AgentLink, parseHostPort, type DatasetOfferInput, type TlsCredentials } from '@fmls/wire';
import { parseIntOption, parseNumberOption } from './parse-options';

export interface AgentNodeFlags {
  agent?: string;
  bandwidthMbps: number;
  maxTasks: number;
  gpus?: number;
  connectTimeout: number;
}

/** Adds --agent, --bandwidth-mbps, --max-tasks, --gpus and --connect-timeout. */
export function addAgentNodeOptions(command: Command, connectDefaultS = 30): Command {
  return command
    .option('--agent <host:port>', 'register with this FMLMS agent and serve the tasks it assigns (instead of a fixed task)')
    .addOption(new Option('--bandwidth-mbps <n>', 'with --agent: the bandwidth this node declares to the agent').default(1000).argParser(parseNumberOption('--bandwidth-mbps', 0, 1e7)))
    .addOption(new Option('--max-tasks <n>', 'with --agent: tasks this node serves at once').default(1).argParser(parseIntOption('--max-tasks', 1, 1000)))
    .addOption(new Option('--gpus <n>', 'with --agent: GPUs to declare (default: what nvidia-smi lists)').argParser(parseIntOption('--gpus', 0, 1024)))
    .option('--connect-timeout <seconds>', 'how long to wait for the agent or coordinator at start', parseNumberOption('--connect-timeout', 0.1, 86400), connectDefaultS);
}

export interface AgentNodeSetup {
  nodeId: string;
  role: NodeRole;
  /** Where a coordinator or auditor serves; empty for a data owner. */
  address?: string;
  /** Tensor backend in use (`backend.detail`). */
  backend: string;
  datasets?: DatasetOfferInput[];
  /** Directory whose file system's free space is reported. */
  diskDir: string;
  runningTasks: () => string[];
  logger: Logger;
  /** This node's TLS identity for the agent connection; default plaintext. */
  tls?: TlsCredentials;
}

/** Builds the link and registers, or throws a one-line error (exit 2) if the agent refuses or cannot be reached. */
export async function registerWithAgent(flags: AgentNodeFlags & { agent: string }, setup: AgentNodeSetup): Promise<AgentLink> {
  parseHostPort(flags.agent, '--agent');
  const gpus = flags.gpus ?? (await detectGpus());
  const link = new AgentLink({
    agent: flags.agent,
    nodeId: setup.nodeId,
    attributes: () => ({
      roles: [setup.role],
      cpus: cpuCount(),
      gpus,
      backend: setup.backend,
      freeDiskMb: freeDiskMb(setup.diskDir),
      bandwidthMbps: flags.bandwidthMbps,
      maxTasks: flags.maxTasks,
      address: setup.address ?? '',
      version: require('../package.json').version as string,
    }),
    datasets: setup.datasets ?? [],
    runningTasks: setup.runningTasks,
    freeDiskMb: () => freeDiskMb(setup.diskDir),
    logger: setup.logger,
    tls: setup.tls,
  });
  try {
    await link.register(flags.connectTimeout * 1000);
  } catch (err) {
    link.close();
    throw err;
  }
  return link;
}

/** A default node id from the role and the port it serves on. */
export function defaultNodeId(role: NodeRole, address: string): string {
  const port = address.slice(address.lastIndexOf(':') + 1);
  return `${role}-${port}`;
}
