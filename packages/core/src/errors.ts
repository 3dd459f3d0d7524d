/**
 * Typed errors. Every error a user can cause carries a `fix` (what to do about it)
 * and an exit code, so the CLI can print one line and exit without a stack trace.
 */

/** Exit codes shared by every command. */
export const ExitCode = {
  ok: 0,
  /** The run failed (task failed, tampering found, peer lost). */
  failure: 1,
  /** Bad input or usage: fix the command line, a file or the environment. */
  badInput: 2,
} as const;

export interface FmlsErrorOptions {
  /** What the user should do about it. */
  fix?: string;
  cause?: unknown;
  exitCode?: number;
}

/** Base of every error fmls raises on purpose. */
export class FmlsError extends Error {
  readonly fix: string | undefined;
  readonly exitCode: number;
  constructor(message: string, options: FmlsErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? ExitCode.failure;
  }
  /** One line for the terminal: the problem, then the fix. */
  userMessage(): string {
    return this.fix ? `${this.message} (${this.fix})` : this.message;
  }
}

/** Bad user input: a file, a flag, a dataset. Exit code 2. */
export class InputError extends FmlsError {
  constructor(message: string, options: FmlsErrorOptions = {}) {
    super(message, { exitCode: ExitCode.badInput, ...options });
  }
}

/** A configuration (task file, daemon options) that fails validation. Exit code 2. */
export class ConfigError extends InputError {}

/** A peer could not be reached or answered with an error after retries. */
export class NetworkError extends FmlsError {}

/** A message from another process failed validation (shape, digest, version, values). */
export class ValidationError extends FmlsError {}

/** The federated task could not complete. */
export class TaskFailedError extends FmlsError {}

/** A tamper-evident record or an encrypted file was altered. */
export class IntegrityError extends FmlsError {}

/** Wraps anything thrown into an FmlsError so callers can print it uniformly. */
export function asFmlsError(err: unknown): FmlsError {
  if (err instanceof FmlsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FmlsError(`unexpected error: ${message}`, {
    cause: err,
    fix: 'this is a bug in fmls; rerun with FMLS_DEBUG=1 for the stack trace and report it',
  });
}

/** A caller without a valid session or credential: join (again) first. */
export class AuthError extends FmlsError {}

/** A task, node or file that does not exist where it was asked for. */
export class NotFoundError extends FmlsError {}
