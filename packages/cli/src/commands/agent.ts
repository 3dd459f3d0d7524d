/** `fmls agent`: the FMLMS agent daemon. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '@fmls/core';
import { startAgent } from '@fmls/agent';
import { parseHostPort } from '@fmls/wire';
import { onStopSignal } from '../common-options';
import { parseNumberOption } from '../parse-options';
import { runAction } from '../run-action';
import { addDaemonTlsOptions, daemonTls, type DaemonTlsFlags } from '../tls-options';
import { loadStorageKeyFlag, storageKeyOption, type StorageKeyFlags } from '../storage-key-option';

interface AgentFlags extends StorageKeyFlags, DaemonTlsFlags {
  listen: string;
  stateDir: string;
  nodeTimeout: number;
}

export const DEFAULT_AGENT = '127.0.0.1:7300';

export function registerAgentCommand(program: Command): void {
  const command = program
    .command('agent')
    .description('Run the FMLMS agent: nodes register with it, service clients submit training requests to it; it schedules, configures and watches tasks and keeps their models')
    .option('--listen <host:port>', 'address to serve I1 (clients) and I2 (nodes) on; port 0 picks a free port', DEFAULT_AGENT)
    .requiredOption('--state-dir <dir>', 'where nodes, tasks and models are kept (SQLite + files); survives a restart')
    .option('--node-timeout <seconds>', 'a node silent this long is lost and its tasks rebuilt', parseNumberOption('--node-timeout', 1, 3600), 10)
    .addOption(storageKeyOption(true));
  addDaemonTlsOptions(command)
    .addHelpText(
      'after',
      `
Runs until SIGINT or SIGTERM. One agent per state directory.

Example:
  $ fmls agent --listen 127.0.0.1:7300 --state-dir runs/agent
  $ fmls auditor --agent 127.0.0.1:7300 --listen 127.0.0.1:7100 --log runs/audit.jsonl
  $ fmls coordinator --agent 127.0.0.1:7300 --listen 127.0.0.1:7000
  $ fmls data-owner --agent 127.0.0.1:7300 --id hospital-a --data breast-cancer=a.csv
  $ fmls task submit task.yaml`,
    )
    .action(
      runAction(async (flags: AgentFlags) => {
        const listen = parseHostPort(flags.listen, '--listen', true);
        const logger = createLogger({ name: 'agent' });
        const tls = daemonTls(flags, listen, logger);
        const storageKey = loadStorageKeyFlag(flags, true, logger);
        const agent = await startAgent({ listen, stateDir: resolve(flags.stateDir), logger, nodeTimeoutMs: flags.nodeTimeout * 1000, storageKey, tls });
        const signal = await new Promise<string>((r) => onStopSignal(r));
        logger.info({ signal }, 'stopping');
        await agent.stop();
        return 0;
      }),
    );
}
