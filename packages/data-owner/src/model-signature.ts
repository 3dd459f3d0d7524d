/** A data owner with a CA trusts only models signed by a coordinator certificate from that CA (D-5). */
import { X509Certificate } from 'node:crypto';
import { IntegrityError } from '@fmls/core';
import { issuedBy, modelMessage, verifyMessage, type ModelHeader } from '@fmls/wire';

export function checkModelSignature(h: ModelHeader, caPem: Buffer): void {
  const fix = 'the coordinator must run with TLS (--tls-cert/--tls-key) and a certificate from the same CA';
  if (h.signature.length === 0 || h.signerCertificate.length === 0) throw new IntegrityError(`model version ${h.modelVersion} is not signed`, { fix });
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(h.signerCertificate);
  } catch {
    throw new IntegrityError(`the signer certificate of model version ${h.modelVersion} is not a certificate`, { fix });
  }
  if (!issuedBy(cert, caPem)) throw new IntegrityError(`model version ${h.modelVersion} is signed by ${cert.subject.replace(/\n/g, ', ')}, which our CA did not issue`, { fix });
  if (!verifyMessage(cert, modelMessage(h), h.signature)) throw new IntegrityError(`the signature of model version ${h.modelVersion} does not verify: the model or its header was altered`, { fix });
}
