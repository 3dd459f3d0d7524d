/**
 * A private certificate authority for one federation (M-10.5): `fmls certs init` makes the
 * CA, `fmls certs issue` one certificate per node, valid as TLS server and as TLS client,
 * so every gRPC channel can be mutual TLS under that one CA.
 */
import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { InputError } from '@fmls/core';
import { readCertFile, writePemFiles } from './pem-files';
import { subjectAltNames, type SanEntry } from './names';
import { KEY_ALGORITHM, SIGNING_ALGORITHM, webcrypto, x509, type CryptoKey } from './x509';

export const CA_DEFAULT_DAYS = 3650;
export const NODE_DEFAULT_DAYS = 825;
const DAY_MS = 86_400_000;

export interface CaFiles {
  cert: string;
  key: string;
}

export function caFiles(dir: string): CaFiles {
  return { cert: join(dir, 'ca.crt'), key: join(dir, 'ca.key') };
}

export function nodeFiles(dir: string, name: string): CaFiles {
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

export interface CreateCaOptions {
  /** Default 3650. */
  days?: number;
  /** Replace an existing ca.crt/ca.key. Default false. */
  force?: boolean;
  now?: Date;
}

export interface IssuedCert {
  files: CaFiles;
  subject: string;
  notAfter: Date;
  sans: SanEntry[];
}

/** Creates DIR/ca.crt and DIR/ca.key (mode 0600). */
export async function createCa(dir: string, options: CreateCaOptions = {}): Promise<IssuedCert> {
  const files = caFiles(resolve(dir));
  const now = options.now ?? new Date();
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  // A random suffix keeps two federations' CAs apart by name too, so a peer from the wrong
  // one fails as "unknown CA" rather than as a signature mismatch.
  const subject = `CN=fmls CA ${basename(resolve(dir))} ${randomBytes(4).toString('hex')}`;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: subject,
    notBefore: backdated(now),
    notAfter: new Date(now.getTime() + (options.days ?? CA_DEFAULT_DAYS) * DAY_MS),
    keys,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  await writePemFiles(files, cert.toString('pem'), await privateKeyPem(keys.privateKey), options.force ?? false);
  return { files, subject, notAfter: cert.notAfter, sans: [] };
}

export interface IssueOptions {
  /** The node's name: CN and file name (NAME.crt, NAME.key). */
  name: string;
  /** Extra DNS names or IP addresses, beside localhost, 127.0.0.1 and ::1. */
  hosts?: string[];
  /** Default 825; never past the CA's own expiry. */
  days?: number;
  /** Replace an existing NAME.crt/NAME.key. Default false. */
  force?: boolean;
  now?: Date;
}

/** Issues DIR/NAME.crt and DIR/NAME.key (mode 0600), signed by the CA in DIR. */
export async function issueCert(dir: string, options: IssueOptions): Promise<IssuedCert> {
  const root = resolve(dir);
  const sans = subjectAltNames(options.hosts ?? []);
  const ca = await loadCa(root);
  const files = nodeFiles(root, options.name);
  const now = options.now ?? new Date();
  if (now > ca.cert.notAfter) throw new InputError(`the CA in ${root} expired on ${ca.cert.notAfter.toISOString()}`, { fix: `make a new one: fmls certs init ${dir} --force, then reissue every node` });
  const notAfter = new Date(Math.min(now.getTime() + (options.days ?? NODE_DEFAULT_DAYS) * DAY_MS, ca.cert.notAfter.getTime()));
  const keys = await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, ['sign', 'verify']);
  const subject = `CN=${options.name}`;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serialNumber(),
    subject,
    issuer: ca.cert.subject,
    notBefore: backdated(now),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: SIGNING_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension(sans),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey),
    ],
  });
  await writePemFiles(files, cert.toString('pem'), await privateKeyPem(keys.privateKey), options.force ?? false);
  return { files, subject, notAfter, sans };
}

async function loadCa(dir: string): Promise<{ cert: x509.X509Certificate; key: CryptoKey }> {
  const files = caFiles(dir);
  const fix = `create one with fmls certs init ${dir}, or name the directory that holds ca.crt and ca.key`;
  const certPem = readCertFile(files.cert, 'CA certificate', fix);
  const keyPem = readCertFile(files.key, 'CA key', fix);
  let cert: x509.X509Certificate;
  let key: CryptoKey;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch (err) {
    throw new InputError(`${files.cert} is not a PEM certificate`, { fix, cause: err });
  }
  try {
    key = await webcrypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), KEY_ALGORITHM, false, ['sign']);
  } catch (err) {
    throw new InputError(`${files.key} is not an ECDSA P-256 PKCS#8 key as fmls certs init writes`, { fix, cause: err });
  }
  return { cert, key };
}

async function privateKeyPem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

/** 16 random bytes, high bit clear so the DER integer stays positive. */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

/** An hour back, so a peer whose clock runs a little behind still accepts a fresh certificate. */
function backdated(now: Date): Date {
  return new Date(now.getTime() - 3_600_000);
}
