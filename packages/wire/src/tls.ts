/**
 * A node's TLS identity (M-10.5): its certificate and key, and the CA its peers must be
 * signed by. Read and checked once at start, so a wrong file is a one-line start-up error
 * rather than a handshake that fails later on every peer.
 */
import { readFileSync } from 'node:fs';
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { InputError } from '@fmls/core';

/** Paths of a node's TLS files (PEM), as `fmls certs issue` writes them. */
export interface TlsConfig {
  /** This node's certificate (NODE.crt), used both to serve and as client certificate. */
  cert: string;
  /** Its private key (NODE.key), unencrypted PKCS#8 or SEC1 PEM. */
  key: string;
  /** CA certificate (ca.crt): peers must present a certificate it signed (mutual TLS). Default: servers ask no client certificate and clients trust the system roots. */
  ca?: string;
}

const ISSUE_FIX = 'make one with fmls certs issue DIR --name NODE';

/** TLS material read from a {@link TlsConfig} and checked to fit together. */
export class TlsCredentials {
  private constructor(
    readonly files: TlsConfig,
    /** PEM bytes, handed to gRPC as they are. */
    readonly certPem: Buffer,
    readonly keyPem: Buffer,
    readonly caPem: Buffer | undefined,
    /** The certificate's subject, e.g. "CN=coordinator". */
    readonly subject: string,
    readonly validTo: Date,
  ) {}

  /**
   * Reads and checks the files: readable, PEM of the right kind, key matching the
   * certificate, certificate valid today.
   *
   * @throws InputError naming the file and what is wrong with it.
   */
  static load(config: TlsConfig, now: Date = new Date()): TlsCredentials {
    const certPem = readPem(config.cert, 'certificate', 'CERTIFICATE');
    const keyPem = readPem(config.key, 'private key', 'PRIVATE KEY');
    const caPem = config.ca === undefined ? undefined : readPem(config.ca, 'CA certificate', 'CERTIFICATE');
    const cert = parseCert(certPem, config.cert, 'certificate');
    if (caPem && config.ca) parseCert(caPem, config.ca, 'CA certificate');
    const key = parseKey(keyPem, config.key);
    if (!cert.checkPrivateKey(key)) {
      throw new InputError(`TLS key ${config.key} does not belong to certificate ${config.cert}`, { fix: 'pass the NODE.key written next to NODE.crt' });
    }
    const validFrom = new Date(cert.validFrom);
    const validTo = new Date(cert.validTo);
    if (now > validTo) throw new InputError(`TLS certificate ${config.cert} expired on ${validTo.toISOString()}`, { fix: `issue a new one: ${ISSUE_FIX}` });
    if (now < validFrom) throw new InputError(`TLS certificate ${config.cert} is not valid before ${validFrom.toISOString()}`, { fix: "check this machine's clock" });
    return new TlsCredentials({ ...config }, certPem, keyPem, caPem, cert.subject.replace(/\n/g, ', '), validTo);
  }

  /** Whether peers must present a certificate signed by the CA. */
  get mutual(): boolean {
    return this.caPem !== undefined;
  }

  /** For logs: "mutual TLS as CN=coordinator". */
  describe(): string {
    return `${this.mutual ? 'mutual TLS' : 'TLS'} as ${this.subject}`;
  }
}

function readPem(path: string, what: string, label: 'CERTIFICATE' | 'PRIVATE KEY'): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new InputError(`cannot read TLS ${what} ${path}: ${code}`, { fix: code === 'ENOENT' ? `check the path; ${ISSUE_FIX}` : 'check the file and its permissions', cause: err });
  }
  const text = bytes.toString('latin1');
  const labels = [...text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----/g)].map((m) => m[1]);
  if (labels.length === 0) throw new InputError(`TLS ${what} ${path} is not a PEM file`, { fix: `expected a "-----BEGIN ${label}-----" block; ${ISSUE_FIX}` });
  // A swapped --tls-cert/--tls-key is the likeliest mistake: say so.
  if (!labels.some((l) => l.endsWith(label))) {
    throw new InputError(`TLS ${what} ${path} holds ${labels[0]}, not ${label}`, { fix: label === 'CERTIFICATE' ? 'pass the .crt file here and the .key file as the key' : 'pass the .key file here and the .crt file as the certificate' });
  }
  return bytes;
}

function parseCert(pem: Buffer, path: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new InputError(`TLS ${what} ${path} cannot be parsed: ${(err as Error).message}`, { fix: ISSUE_FIX, cause: err });
  }
}

function parseKey(pem: Buffer, path: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    const encrypted = /passphrase|ENCRYPTED/i.test(`${(err as Error).message} ${pem.toString('latin1', 0, 64)}`);
    throw new InputError(encrypted ? `TLS key ${path} is encrypted` : `TLS key ${path} cannot be parsed: ${(err as Error).message}`, {
      fix: encrypted ? `store it unencrypted with mode 0600: openssl pkey -in ${path} -out NEW.key` : ISSUE_FIX,
      cause: err,
    });
  }
}
