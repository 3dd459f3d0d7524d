/** gRPC credentials from a node's TLS identity: insecure without one, as before TLS existed. */
import { isIP } from 'node:net';
import { checkServerIdentity } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { TlsCredentials } from './tls';

/** Server side: TLS when given, and client certificates required when it names a CA. */
export function serverCredentials(tls: TlsCredentials | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(tls.caPem ?? null, [{ cert_chain: tls.certPem, private_key: tls.keyPem }], tls.mutual);
}

/** Client side: credentials and the channel options they need for `address` (HOST:PORT). */
export function channelCredentials(address: string, tls: TlsCredentials | undefined): { credentials: grpc.ChannelCredentials; options: grpc.ChannelOptions } {
  if (!tls) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const host = hostOf(address);
  if (!isIP(host)) return { credentials: grpc.credentials.createSsl(tls.caPem ?? null, tls.keyPem, tls.certPem), options: {} };
  // grpc-js would send the IP as TLS server name, which Node flags with a deprecation warning
  // on stderr (DEP0123). Send a neutral name instead and still check the certificate's IP SAN.
  const credentials = grpc.credentials.createSsl(tls.caPem ?? null, tls.keyPem, tls.certPem, {
    checkServerIdentity: (_name, cert) => checkServerIdentity(host, cert),
  });
  return { credentials, options: { 'grpc.ssl_target_name_override': 'fmls-ip-target' } };
}

/** The host of HOST:PORT or [V6]:PORT, without brackets. */
export function hostOf(address: string): string {
  const host = address.slice(0, address.lastIndexOf(':'));
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}
