/** Client plumbing shared by every connection class: one channel set-up and one deadline-bound unary call. */
import type * as grpc from '@grpc/grpc-js';
import { CallFailures } from './call-failures';
import type { TlsCredentials } from './tls';
import { channelCredentials } from './tls-channel';

type ClientCtor<C> = new (address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) => C;

/** A client for `address`: TLS when given, quick reconnects, plus `extra` channel options. */
export function openClient<C>(Ctor: ClientCtor<C>, address: string, tls: TlsCredentials | undefined, extra: grpc.ChannelOptions = {}): { client: C; failures: CallFailures } {
  const channel = channelCredentials(address, tls);
  const client = new Ctor(address, channel.credentials, {
    ...channel.options,
    ...extra,
    'grpc.initial_reconnect_backoff_ms': 200,
    'grpc.max_reconnect_backoff_ms': 2000,
  });
  return { client, failures: new CallFailures(address, tls) };
}

/** A unary call with a deadline; a failure is explained (TLS cause, peer, call) before it rejects. */
export function unaryCall<Res>(failures: CallFailures, name: string, timeoutMs: number, invoke: (options: grpc.CallOptions, cb: grpc.requestCallback<Res>) => void): Promise<Res> {
  return new Promise((resolve, reject) => {
    invoke({ deadline: Date.now() + timeoutMs }, (err, res) => {
      if (err) void failures.explain(name, err).then(reject);
      else resolve(res as Res);
    });
  });
}
