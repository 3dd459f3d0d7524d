/** `fmls auditor`: the auditor daemon, on its own or as a node of an FMLMS agent. */
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '@fmls/core';
import { serveAgent, startAuditor, type AuditorAgent } from '@fmls/auditor';
import { parseHostPort, type AgentLink } from '@fmls/wire';
import { addAgentNodeOptions, defaultNodeId, registerWithAgent, type AgentNodeFlags } from '../agent-node';
import { onStopSignal } from '../common-options';
import { runAction } from '../run-action';
import { addDaemonTlsOptions, daemonTls, type DaemonTlsFlags } from '../tls-options';

interface AuditorFlags extends AgentNodeFlags, DaemonTlsFlags {
  listen: string;
  log: string;
  id?: string;
}

const DEFAULT_LISTEN = '127.0.0.1:7100';

/** Adds `fmls auditor --listen HOST:PORT --log FILE [--agent HOST:PORT --id NAME]`. */
export function registerAuditorCommand(program: Command): void {
  const command = program
    .command('auditor')
    .description('Run the auditor daemon: record training events from the agent, coordinators and data owners in a hash-chained, tamper-evident log')
    .option('--listen <host:port>', 'address to serve the Auditor gRPC service on; port 0 picks a free port', DEFAULT_LISTEN)
    .requiredOption('--log <file>', 'audit log (JSON lines); created if missing, verified before it is extended if present')
    .option('--id <name>', 'with --agent: this node\'s name (default: auditor-PORT)');
  addDaemonTlsOptions(command);
  addAgentNodeOptions(command).addHelpText(
    'after',
    `
Runs until SIGINT or SIGTERM, then stops cleanly (exit 0). An existing log that fails
verification is never extended: the auditor refuses to start (exit 1).
With FMLS_LOG_FORMAT=json, the line with msg "listening" carries the bound address.
With --agent it also registers there (once listening, with the bound address), so the
agent can name it as the auditor of the tasks it assigns (exit 2 if the agent cannot
be reached within --connect-timeout or refuses it).

Examples:
  $ fmls auditor --listen 127.0.0.1:7100 --log runs/audit.jsonl
  $ fmls auditor --listen 127.0.0.1:7100 --log runs/audit.jsonl --agent 127.0.0.1:7500 --id auditor-1`,
  );
  command.action(
    runAction(async (flags: AuditorFlags) => {
      const listen = parseHostPort(flags.listen, '--listen', true);
      if (flags.agent !== undefined) parseHostPort(flags.agent, '--agent');
      const logger = createLogger({ name: 'auditor' });
      const tls = daemonTls(flags, listen, logger);
      const running = await startAuditor({ listen, logPath: flags.log, logger, tls });
      // Watched from here on, so a stop while registering still closes the log cleanly.
      const stopped = new Promise<string>((resolve) => onStopSignal(resolve));
      const stop = new AbortController();
      let agent: AuditorAgent | undefined;
      let link: AgentLink | undefined;
      if (flags.agent !== undefined) {
        const registration = registerWithAgent(
          { ...flags, agent: flags.agent },
          {
            nodeId: flags.id ?? defaultNodeId('auditor', running.address),
            role: 'auditor',
            address: running.address,
            backend: '', // the auditor trains nothing
            diskDir: dirname(resolve(flags.log)),
            runningTasks: () => agent?.runningTasks() ?? [],
            logger,
            tls,
          },
        );
        try {
          link = await Promise.race([registration, stopped.then(() => undefined)]);
        } catch (err) {
          await running.stop();
          throw err;
        }
        if (link) agent = serveAgent({ link, logger, signal: stop.signal });
      }
      const signal = await stopped;
      logger.info({ signal }, 'stopping');
      stop.abort();
      await agent?.done;
      if (link) {
        const left = await link.flush(3000);
        if (left > 0) logger.warn(`${left} report(s) to the agent were not delivered`);
        link.close();
      }
      await running.stop();
      return 0;
    }),
  );
}
