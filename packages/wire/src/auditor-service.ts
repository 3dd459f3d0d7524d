/** The Auditor service on both sides of the wire. */
import * as grpc from '@grpc/grpc-js';
import type { Ack, Ack__Output } from './generated/fmls/v1/Ack';
import type { AuditEvent, AuditEvent__Output } from './generated/fmls/v1/AuditEvent';
import type { AuditorClient } from './generated/fmls/v1/Auditor';
import { loadContract } from './proto';
import { serveUnary } from './servicer';
import { CallFailures } from './call-failures';
import type { TlsCredentials } from './tls';
import { channelCredentials } from './tls-channel';

export interface AuditorHandlers {
  record(event: AuditEvent__Output): Promise<Ack> | Ack;
}

export function addAuditorService(server: grpc.Server, handlers: AuditorHandlers): void {
  const impl: grpc.UntypedServiceImplementation = {
    Record: serveUnary((event: AuditEvent__Output) => handlers.record(event)),
  };
  server.addService(loadContract().Auditor.service, impl);
}

export class AuditorConnection {
  private readonly client: AuditorClient;
  private readonly failures: CallFailures;
  /** `tls`: this node's identity; default plaintext. */
  constructor(readonly address: string, tls?: TlsCredentials) {
    const Ctor = loadContract().Auditor;
    const channel = channelCredentials(address, tls);
    this.failures = new CallFailures(address, tls);
    this.client = new Ctor(address, channel.credentials, {
      ...channel.options,
      'grpc.initial_reconnect_backoff_ms': 200,
      'grpc.max_reconnect_backoff_ms': 2000,
    });
  }
  record(event: AuditEvent, timeoutMs = 3000): Promise<Ack__Output> {
    return new Promise((resolve, reject) => {
      this.client.record(event, { deadline: Date.now() + timeoutMs }, (err, res) => {
        if (err) void this.failures.explain('Record', err).then(reject);
        else resolve(res as Ack__Output);
      });
    });
  }
  close(): void {
    this.client.close();
  }
}
