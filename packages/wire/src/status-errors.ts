/** Maps fmls errors to gRPC status codes and back, so a typed error survives the wire. */
import * as grpc from '@grpc/grpc-js';
import { AuthError, FmlsError, NetworkError, NotFoundError, ValidationError } from '@fmls/core';

export { status as GrpcStatus } from '@grpc/grpc-js';

/** A gRPC error object for a servicer callback. */
export function toServiceError(err: unknown): Partial<grpc.StatusObject> {
  if (err instanceof AuthError) return { code: grpc.status.UNAUTHENTICATED, details: err.message };
  if (err instanceof ValidationError) return { code: grpc.status.INVALID_ARGUMENT, details: err.message };
  if (err instanceof NotFoundError) return { code: grpc.status.NOT_FOUND, details: err.message };
  if (err instanceof FmlsError) return { code: grpc.status.FAILED_PRECONDITION, details: err.message };
  return { code: grpc.status.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/** Whether a failed call is worth retrying: the peer may come back. */
export function isTransient(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  return (
    code === grpc.status.UNAVAILABLE ||
    code === grpc.status.DEADLINE_EXCEEDED ||
    code === grpc.status.RESOURCE_EXHAUSTED ||
    code === grpc.status.CANCELLED ||
    code === grpc.status.UNKNOWN
  );
}

export function statusCode(err: unknown): number | undefined {
  return (err as { code?: number }).code;
}

/**
 * A NetworkError naming the peer and the call, for a failed call. It keeps the gRPC
 * status `code`, which retry() and session renewal decide on.
 */
export function callFailed(peer: string, call: string, err: unknown): NetworkError & { code?: number } {
  const e = err as { code?: number; details?: string; message?: string };
  const codeName = e.code === undefined ? 'error' : (grpc.status[e.code] ?? String(e.code));
  const failure = new NetworkError(`${call} to ${peer} failed: ${codeName}${e.details ? `: ${e.details}` : ''}`, {
    cause: err,
    fix: e.code === grpc.status.UNAVAILABLE ? `check that the daemon at ${peer} is running and reachable` : undefined,
  });
  return Object.assign(failure, { code: e.code });
}
