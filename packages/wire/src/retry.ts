/** Retrying calls to a peer that may be restarting, with backoff and an overall deadline. */
import { backoffMs, sleep } from '@fmls/core';
import { isTransient } from './status-errors';

export interface RetryOptions {
  /** Give up once this much time has passed since the first attempt. */
  totalMs: number;
  signal?: AbortSignal;
  onRetry?: (attempt: number, err: unknown, delayMs: number) => void;
  /** Which errors to retry; default: transient gRPC failures (UNAVAILABLE, DEADLINE_EXCEEDED, ...). */
  retryable?: (err: unknown) => boolean;
}

export async function retry<T>(fn: () => Promise<T>, options: RetryOptions): Promise<T> {
  const started = Date.now();
  const retryable = options.retryable ?? isTransient;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = backoffMs(attempt);
      if (!retryable(err) || options.signal?.aborted || Date.now() - started + delay > options.totalMs) throw err;
      options.onRetry?.(attempt + 1, err, delay);
      await sleep(delay, options.signal);
    }
  }
}
