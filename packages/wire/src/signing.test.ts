import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModelHeader } from './generated/fmls/v1/ModelHeader';
import { commonName, issuedBy, modelMessage, modelSigner, signMessage, updateMessage, verifyMessage } from './signing';

/** A CA and a node certificate (EC P-256) made with openssl, as `fmls certs` would. */
function pki(): { dir: string; ca: Buffer; cert: Buffer; key: Buffer; otherCa: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'fmls-sign-'));
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  for (const name of ['ca', 'other']) {
    ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
    ssl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-out', `${name}.crt`);
  }
  ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'node.key');
  ssl('req', '-new', '-key', 'node.key', '-subj', '/CN=client-1', '-out', 'node.csr');
  ssl('x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', 'node.crt');
  const read = (f: string): Buffer => readFileSync(join(dir, f));
  return { dir, ca: read('ca.crt'), cert: read('node.crt'), key: read('node.key'), otherCa: read('other.crt') };
}

describe('signing', () => {
  const p = pki();
  const cert = new X509Certificate(p.cert);
  const header = { taskId: 't', clientId: 'client-1', uploadId: 'u', round: 2, modelVersion: 1, sampleCount: 10, numParams: 3, sha256: Buffer.alloc(32, 7) };

  it('verifies an update signed with the certificate key, and nothing altered', () => {
    const signature = signMessage(p.key, updateMessage(header));
    expect(verifyMessage(cert, updateMessage(header), signature)).toBe(true);
    expect(verifyMessage(cert, updateMessage({ ...header, round: 3 }), signature)).toBe(false);
    expect(verifyMessage(cert, updateMessage({ ...header, sha256: Buffer.alloc(32, 8) }), signature)).toBe(false);
    expect(verifyMessage(cert, updateMessage(header), Buffer.alloc(0))).toBe(false);
    expect(commonName(cert)).toBe('client-1');
  });

  it('signs models with the certificate attached, checkable against the CA that issued it', () => {
    const payload: { header: ModelHeader } = { header: { taskId: 't', modelVersion: 4, numParams: 3, sha256: Buffer.alloc(32, 1) } };
    const signed = modelSigner(p.cert, p.key)(payload);
    const signer = new X509Certificate(signed.header.signerCertificate as Buffer);
    expect(issuedBy(signer, p.ca)).toBe(true);
    expect(issuedBy(signer, p.otherCa)).toBe(false);
    expect(verifyMessage(signer, modelMessage(signed.header), signed.header.signature as Buffer)).toBe(true);
    expect(verifyMessage(signer, modelMessage({ ...signed.header, modelVersion: 5 }), signed.header.signature as Buffer)).toBe(false);
  });
});
