/** The Auditor service on both sides of the wire. */
import * as grpc from '@grpc/grpc-js';
import type { Ack, Ack__Output } from './generated/fmls/v1/Ack';
import type { AuditEvent, AuditEvent__Output } from './generated/fmls/v1/AuditEvent';
import type { AuditorClient } from './generated/fmls/v1/Auditor';
import { loadContract } from './proto';
import { serveUnary } from './servicer';
import type { CallFailures } from './call-failures';
import { openClient, unaryCall } from './client-channel';
import type { TlsCredentials } from './tls';

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
    ({ client: this.client, failures: this.failures } = openClient(loadContract().Auditor, address, tls));
  }
  record(event: AuditEvent, timeoutMs = 3000): Promise<Ack__Output> {
    return unaryCall(this.failures, 'Record', timeoutMs, (o, cb) => this.client.record(event, o, cb));
  }
  close(): void {
    this.client.close();
  }
}
