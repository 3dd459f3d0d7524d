/**
 * Why a connection failed, when TLS is the reason. grpc-js reports a refused handshake as
 * plain UNAVAILABLE ("Failed to connect"), which the retry loops treat as a peer that is
 * still starting; one direct handshake with the same credentials tells the two apart, so
 * a certificate problem ends at once with a message that says what to fix.
 */
import { isIP } from 'node:net';
import { connect, type ConnectionOptions } from 'node:tls';
import { hostOf, portOf } from './tls-channel';
import type { TlsCredentials } from './tls';

export interface TlsVerdict {
  /** What went wrong, e.g. "certificate signed by an unknown CA". */
  reason: string;
  fix: string;
  /** The peer speaks TLS and this connection did not. */
  plaintextClient?: boolean;
}

type Outcome = { kind: 'secure' } | { kind: 'error'; code: string; message: string } | { kind: 'closed' } | { kind: 'timeout' };

const PROBE_MS = 3000;

/** Handshakes once with `tls` (anonymously without it); a verdict when TLS is what fails, else undefined. */
export async function probeTls(address: string, tls: TlsCredentials | undefined): Promise<TlsVerdict | undefined> {
  if (!tls) {
    // Only positive evidence that the peer speaks TLS counts: anything else is an ordinary outage.
    const o = await handshake(address, { rejectUnauthorized: false });
    const speaksTls = o.kind === 'secure' || (o.kind === 'error' && /^ERR_SSL_(TLSV1\d?|SSLV3)_ALERT/.test(o.code));
    return speaksTls ? { reason: 'it requires TLS and this connection has none', fix: 'pass --tls-cert, --tls-key and --tls-ca; fmls certs --help shows how to make them', plaintextClient: true } : undefined;
  }
  const options: ConnectionOptions = { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem };
  const first = await handshake(address, options);
  if (first.kind === 'closed') {
    // A server that refuses our certificate just drops the connection; so does one shutting
    // down. Only a second drop in a row is taken as a refusal.
    await new Promise((r) => setTimeout(r, 200));
    if ((await handshake(address, options)).kind !== 'closed') return undefined;
    return {
      reason: 'the peer closed the connection during the handshake: it does not accept this certificate',
      fix: `${tls.files.cert} must be issued by the CA the peer was given as --tls-ca`,
    };
  }
  return first.kind === 'error' ? verdictFor(first.code, first.message, tls) : undefined;
}

function verdictFor(code: string, message: string, tls: TlsCredentials): TlsVerdict | undefined {
  const caFix = tls.files.ca ? `${tls.files.ca} is not the CA that signed the peer's certificate: pass the federation's ca.crt as --tls-ca` : 'pass the CA that signed the peer\'s certificate as --tls-ca';
  switch (code) {
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'CERT_SIGNATURE_FAILURE':
      return { reason: "the peer's certificate is signed by an unknown CA", fix: caFix };
    case 'CERT_HAS_EXPIRED':
      return { reason: "the peer's certificate has expired", fix: 'issue it a new one with fmls certs issue' };
    case 'CERT_NOT_YET_VALID':
      return { reason: "the peer's certificate is not valid yet", fix: 'check the clocks of both machines' };
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return { reason: `the peer's certificate is not valid for this address (${message})`, fix: 'connect by a name it was issued for, or reissue it with fmls certs issue --host NAME' };
    case 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED':
      return { reason: 'the peer requires a client certificate', fix: 'pass --tls-cert and --tls-key' };
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_HTTP_REQUEST':
      return { reason: 'the peer does not speak TLS', fix: 'start it with --tls-cert/--tls-key/--tls-ca too, or connect without TLS' };
    default:
      if (/^ERR_SSL_.*ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|DECRYPT_ERROR|ACCESS_DENIED)/.test(code)) {
        return { reason: 'the peer refused this certificate', fix: `${tls.files.cert} must be issued by the CA the peer was given as --tls-ca` };
      }
      if (/^ERR_SSL_|^ERR_TLS_|CERT/.test(code)) return { reason: firstLine(message), fix: 'check the TLS files on both sides (fmls certs --help)' };
      return undefined;
  }
}

function handshake(address: string, extra: ConnectionOptions): Promise<Outcome> {
  const host = hostOf(address);
  return new Promise((resolve) => {
    const socket = connect({ host, port: portOf(address), servername: isIP(host) ? undefined : host, ALPNProtocols: ['h2'], ...extra });
    let settled = false;
    const settle = (o: Outcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(o);
    };
    // With TLS 1.3 the peer checks our certificate after our side considers the handshake
    // done; its refusal arrives as an alert or a close just after.
    socket.once('secureConnect', () => setTimeout(() => settle({ kind: 'secure' }), 100));
    socket.once('error', (err: NodeJS.ErrnoException) => settle({ kind: 'error', code: err.code ?? '', message: err.message }));
    socket.once('close', () => settle({ kind: 'closed' }));
    const timer = setTimeout(() => settle({ kind: 'timeout' }), PROBE_MS);
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0].replace(/^[0-9A-F]+:error:[0-9A-F]+:SSL routines:\w+:/, '').replace(/:\.\.\/deps.*$/, '');
}
