/** Servicer plumbing shared by every service: handler results and typed errors to gRPC callbacks. */
import type * as grpc from '@grpc/grpc-js';
import { toServiceError } from './status-errors';

/** A unary method from a handler; `cancelled` aborts when the caller goes away (long polls stop waiting). */
export function serveUnary<Req, Res>(fn: (req: Req, cancelled: AbortSignal) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request, cancelSignal(call)))
      .then((res) => callback(null, res), (err: unknown) => callback(toServiceError(err)));
  };
}

/** Aborts when the caller cancels the call or goes away. */
export function cancelSignal(call: { on(event: 'cancelled', listener: () => void): unknown }): AbortSignal {
  const controller = new AbortController();
  call.on('cancelled', () => controller.abort());
  return controller.signal;
}
