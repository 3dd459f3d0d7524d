/**
 * Signed updates and models (D-5): the sender signs the header (which carries the
 * payload's SHA-256) with its TLS certificate's key; the receiver verifies against a
 * certificate it trusts — the one the peer presented in mutual TLS, or one issued by
 * its CA. A forged or altered update or model is refused.
 */
import { createPrivateKey, sign, verify, X509Certificate } from 'node:crypto';
import type { ModelHeader } from './generated/fmls/v1/ModelHeader';
import type { UpdateHeader } from './generated/fmls/v1/UpdateHeader';

const hex = (b: Uint8Array | undefined): string => Buffer.from(b ?? []).toString('hex');

/** What an update signature covers. */
export function updateMessage(h: UpdateHeader): Buffer {
  return Buffer.from(['fmls-update-v1', h.taskId, h.clientId, h.uploadId, h.round, h.modelVersion, h.encoding || 'float32', h.sampleCount, h.numParams, hex(h.sha256 as Uint8Array)].join('\n'));
}

/** What a model signature covers. */
export function modelMessage(h: ModelHeader): Buffer {
  return Buffer.from(['fmls-model-v1', h.taskId, h.modelVersion, h.encoding || 'float32', h.numParams, h.totalWeight ?? 0, h.contributors ?? 0, hex(h.sha256 as Uint8Array)].join('\n'));
}

/** ECDSA/RSA sign with SHA-256; Ed25519 signs the message itself. */
export function signMessage(keyPem: Buffer, message: Buffer): Buffer {
  const key = createPrivateKey(keyPem);
  return sign(key.asymmetricKeyType === 'ed25519' ? null : 'sha256', message, key);
}

export function verifyMessage(cert: X509Certificate, message: Buffer, signature: Uint8Array): boolean {
  if (signature.length === 0) return false;
  try {
    return verify(cert.publicKey.asymmetricKeyType === 'ed25519' ? null : 'sha256', message, cert.publicKey, signature);
  } catch {
    return false;
  }
}

/** The common name in a certificate's subject, e.g. `client-1`. */
export function commonName(cert: X509Certificate): string | undefined {
  return /(?:^|\n|, )CN=([^\n,]+)/.exec(cert.subject)?.[1];
}

/** Whether `cert` was issued and signed by the CA in `caPem`. */
export function issuedBy(cert: X509Certificate, caPem: Buffer): boolean {
  try {
    const ca = new X509Certificate(caPem);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey);
  } catch {
    return false;
  }
}

/** A coordinator's model signer: signature plus its certificate in every model header. */
export function modelSigner(certPem: Buffer, keyPem: Buffer): <P extends { header: ModelHeader }>(payload: P) => P {
  const certificate = new X509Certificate(certPem).raw;
  return (payload) => ({ ...payload, header: { ...payload.header, signature: signMessage(keyPem, modelMessage(payload.header)), signerCertificate: certificate } });
}
