/**
 * Logging: human-readable lines on stderr by default, JSON lines with
 * FMLS_LOG_FORMAT=json (what `fmls simulate` reads from its children).
 */
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export type LogFormat = 'pretty' | 'json';

export interface LoggerOptions {
  /** The role or command, shown on every line. */
  name: string;
  level?: string;
  format?: LogFormat;
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? process.env.FMLS_LOG_LEVEL ?? 'info';
  const format = options.format ?? (process.env.FMLS_LOG_FORMAT === 'json' ? 'json' : 'pretty');
  if (format === 'json') {
    return pino({ name: options.name, level, base: { role: options.name } }, pino.destination({ fd: 2, sync: true }));
  }
  const stream = pretty({
    destination: 2,
    sync: true,
    colorize: Boolean(process.stderr.isTTY),
    translateTime: 'HH:MM:ss.l',
    ignore: 'pid,hostname,role',
    singleLine: true,
  });
  return pino({ name: options.name, level }, stream);
}
