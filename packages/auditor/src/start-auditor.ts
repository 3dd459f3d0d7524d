/** Starting and stopping the auditor daemon. */
import type { Logger } from '@fmls/core';
import { AuditLog } from '@fmls/store';
import { addAuditorService, startServer, type HostPort, type RunningServer, type TlsCredentials } from '@fmls/wire';
import { AuditorHandler } from './auditor-handler';
import { DigestCrossCheck } from './digest-cross-check';

/** Options of {@link startAuditor}. */
export interface AuditorOptions {
  /** Where to listen; port 0 picks a free port (read it from the result's `address`). */
  listen: HostPort;
  /** The audit log (JSONL); created when missing, verified and extended when present. */
  logPath: string;
  logger: Logger;
  /** Serve TLS with this identity; with its CA, only clients holding a certificate it signed get in. Default: plaintext. */
  tls?: TlsCredentials;
}

/** A running auditor. */
export interface RunningAuditor {
  /** HOST:PORT it listens on, with the real port. */
  address: string;
  /** Stops taking calls, lets calls in progress finish (2 s at most), closes the log. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Opens (and verifies) the log, then serves the Auditor service. Logs
 * `{ address }, 'listening'` once it accepts calls; tools read that line to learn the port.
 *
 * @throws IntegrityError when the existing log fails verification; InputError when the
 *   log cannot be opened or the address cannot be bound.
 */
export async function startAuditor(options: AuditorOptions): Promise<RunningAuditor> {
  const { logger } = options;
  const crossCheck = new DigestCrossCheck();
  // Replaying the log lets a restarted auditor still match an update-sent recorded before the restart.
  const log = AuditLog.open(options.logPath, { replay: (record) => void crossCheck.observe(record) });
  logger.info({ log: options.logPath, records: log.head.seq }, 'audit log verified and opened');
  const handler = new AuditorHandler(log, crossCheck, logger);
  let server: RunningServer | undefined;
  try {
    server = await startServer(options.listen, (s) => addAuditorService(s, handler), options.tls);
    handler.recordStart();
  } catch (err) {
    await server?.shutdown(0);
    log.close();
    throw err;
  }
  const running = server;
  logger.info({ address: running.address }, 'listening');
  let stopping: Promise<void> | undefined;
  return {
    address: running.address,
    stop() {
      stopping ??= (async () => {
        await running.shutdown();
        log.close();
        logger.info({ records: log.head.seq }, 'stopped');
      })();
      return stopping;
    },
  };
}
