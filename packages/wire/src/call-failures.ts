/**
 * The error a failed call becomes, for one peer. An UNAVAILABLE peer is probed once for a
 * TLS problem; a TLS failure is a permanent NetworkError (no gRPC code, so retry loops stop
 * and exit code 2, a configuration to fix) rather than an outage to wait out.
 */
import { ExitCode, NetworkError } from '@fmls/core';
import { callFailed, GrpcStatus, statusCode } from './status-errors';
import type { TlsCredentials } from './tls';
import { probeTls, type TlsVerdict } from './tls-probe';

/** How long one probe's verdict stands, so a burst of failed calls probes once. */
const VERDICT_MS = 1000;

export class CallFailures {
  private last: { at: number; verdict: Promise<TlsVerdict | undefined> } | undefined;

  constructor(
    private readonly address: string,
    private readonly tls: TlsCredentials | undefined,
  ) {}

  /** The error to report for `call` failing with `err`. */
  async explain(call: string, err: unknown): Promise<Error> {
    if (statusCode(err) !== GrpcStatus.UNAVAILABLE) return callFailed(this.address, call, err);
    if (!this.last || Date.now() - this.last.at > VERDICT_MS) {
      this.last = { at: Date.now(), verdict: probeTls(this.address, this.tls).catch(() => undefined) };
    }
    const verdict = await this.last.verdict;
    return verdict ? tlsFailed(this.address, verdict, err) : callFailed(this.address, call, err);
  }
}

export function tlsFailed(peer: string, verdict: TlsVerdict, cause: unknown): NetworkError {
  const message = verdict.plaintextClient ? `cannot talk to ${peer}: ${verdict.reason}` : `TLS handshake with ${peer} failed: ${verdict.reason}`;
  return new NetworkError(message, { fix: verdict.fix, cause, exitCode: ExitCode.badInput });
}
