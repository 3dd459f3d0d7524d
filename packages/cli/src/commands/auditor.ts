/** `fmls auditor`: the auditor daemon. */
import type { Command } from 'commander';
import { createLogger } from '@fmls/core';
import { startAuditor } from '@fmls/auditor';
import { parseHostPort } from '@fmls/wire';
import { onStopSignal } from '../common-options';
import { runAction } from '../run-action';

interface AuditorFlags {
  listen: string;
  log: string;
}

const DEFAULT_LISTEN = '127.0.0.1:7100';

/** Adds `fmls auditor --listen HOST:PORT --log FILE`. */
export function registerAuditorCommand(program: Command): void {
  program
    .command('auditor')
    .description('Run the auditor daemon: record training events from the coordinator and data owners in a hash-chained, tamper-evident log')
    .option('--listen <host:port>', 'address to serve the Auditor gRPC service on; port 0 picks a free port', DEFAULT_LISTEN)
    .requiredOption('--log <file>', 'audit log (JSON lines); created if missing, verified before it is extended if present')
    .addHelpText(
      'after',
      `
Runs until SIGINT or SIGTERM, then stops cleanly (exit 0). An existing log that fails
verification is never extended: the auditor refuses to start (exit 1).
With FMLS_LOG_FORMAT=json, the line with msg "listening" carries the bound address.

Example:
  $ fmls auditor --listen 127.0.0.1:7100 --log runs/audit.jsonl`,
    )
    .action(
      runAction(async (flags: AuditorFlags) => {
        const listen = parseHostPort(flags.listen, '--listen', true);
        const logger = createLogger({ name: 'auditor' });
        const running = await startAuditor({ listen, logPath: flags.log, logger });
        const signal = await new Promise<string>((resolve) => onStopSignal(resolve));
        logger.info({ signal }, 'stopping');
        await running.stop();
        return 0;
      }),
    );
}
