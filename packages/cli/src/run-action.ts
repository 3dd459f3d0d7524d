/**
 * Every command runs through `runAction`: typed errors become one line on stderr and
 * an exit code (2 for bad input, 1 for failures), never a stack trace unless FMLS_DEBUG=1.
 */
import { asFmlsError, ExitCode } from '@fmls/core';

export function printError(err: unknown): number {
  const e = asFmlsError(err);
  process.stderr.write(`fmls: error: ${e.userMessage()}\n`);
  if (process.env.FMLS_DEBUG) process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
  return e.exitCode;
}

/**
 * Wraps a command's action. The action returns its exit code (default 0); the process
 * then exits, so lingering network handles can never keep a finished command alive.
 */
export function runAction<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let code: number = ExitCode.ok;
    try {
      code = (await fn(...args)) ?? ExitCode.ok;
    } catch (err) {
      code = printError(err);
    }
    process.exit(code);
  };
}
