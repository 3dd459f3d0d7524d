import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { X509Certificate as NodeX509, createPrivateKey } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@fmls/core';
import { TlsCredentials } from '@fmls/wire';
import { createCa, issueCert } from './authority';
import { checkNodeName, subjectAltNames } from './names';
import { x509 } from './x509';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-certs-'));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
const mode = (name: string): number => statSync(join(dir, name)).mode & 0o777;

describe('createCa and issueCert', () => {
  it('issue a node certificate whose chain verifies, with both TLS usages and every SAN', async () => {
    await createCa(dir);
    const issued = await issueCert(dir, { name: 'coordinator', hosts: ['coord.example.org', '10.0.0.5', '[fe80::1]'] });
    expect(issued.files).toEqual({ cert: join(dir, 'coordinator.crt'), key: join(dir, 'coordinator.key') });

    const ca = new x509.X509Certificate(read('ca.crt'));
    const leaf = new x509.X509Certificate(read('coordinator.crt'));
    expect(leaf.subject).toBe('CN=coordinator');
    expect(leaf.issuer).toBe(ca.subject);
    await expect(leaf.verify({ publicKey: ca.publicKey })).resolves.toBe(true);
    await expect(ca.isSelfSigned()).resolves.toBe(true);
    const chain = await new x509.X509ChainBuilder({ certificates: [ca] }).build(leaf);
    expect(chain.map((c) => c.subject)).toEqual([leaf.subject, ca.subject]);

    expect(ca.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(true);
    expect(leaf.getExtension(x509.BasicConstraintsExtension)?.ca).toBe(false);
    expect(leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages).toEqual([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]);
    const sans = leaf.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON();
    expect(sans).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'dns', value: 'coord.example.org' },
      { type: 'ip', value: '10.0.0.5' },
      { type: 'ip', value: 'fe80::1' },
    ]);
    // OpenSSL's view, which grpc-js uses: issued by the CA, key matches, name checks pass.
    const nodeLeaf = new NodeX509(read('coordinator.crt'));
    expect(nodeLeaf.checkIssued(new NodeX509(read('ca.crt')))).toBe(true);
    expect(nodeLeaf.checkPrivateKey(createPrivateKey(read('coordinator.key')))).toBe(true);
    expect(nodeLeaf.checkHost('coord.example.org')).toBe('coord.example.org');
    expect(nodeLeaf.checkIP('10.0.0.5')).toBe('10.0.0.5');
    expect(nodeLeaf.checkHost('other.example.org')).toBeUndefined();
  });

  it('write private keys with mode 0600 and the certificates readable', async () => {
    await createCa(dir);
    await issueCert(dir, { name: 'alice' });
    expect(mode('ca.key')).toBe(0o600);
    expect(mode('alice.key')).toBe(0o600);
    expect(mode('ca.crt') & 0o044).toBe(0o044);
    expect(read('alice.key')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('load as a TlsCredentials identity for gRPC', async () => {
    await createCa(dir);
    await issueCert(dir, { name: 'alice' });
    const tls = TlsCredentials.load({ cert: join(dir, 'alice.crt'), key: join(dir, 'alice.key'), ca: join(dir, 'ca.crt') });
    expect(tls.mutual).toBe(true);
    expect(tls.subject).toBe('CN=alice');
  });

  it('default to 825 days for a node and never outlive the CA', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    await createCa(dir, { now, days: 100 });
    const short = await issueCert(dir, { name: 'a', now, days: 10 });
    expect(short.notAfter.getTime()).toBe(now.getTime() + 10 * 86_400_000);
    const clamped = await issueCert(dir, { name: 'b', now });
    expect(new x509.X509Certificate(read('b.crt')).notAfter.getTime()).toBe(new x509.X509Certificate(read('ca.crt')).notAfter.getTime());
    expect(clamped.notAfter.getTime()).toBeLessThan(now.getTime() + 825 * 86_400_000);
    rmSync(dir, { recursive: true });
    await createCa(dir);
    const long = await issueCert(dir, { name: 'c' });
    expect(Math.round((long.notAfter.getTime() - Date.now()) / 86_400_000)).toBe(825);
  });

  it('refuse to replace existing files unless forced', async () => {
    await createCa(dir);
    const before = read('ca.crt');
    await expect(createCa(dir)).rejects.toThrow(/ca\.crt already exists/);
    expect(read('ca.crt')).toBe(before);
    await createCa(dir, { force: true });
    expect(read('ca.crt')).not.toBe(before);
    expect(mode('ca.key')).toBe(0o600);

    await issueCert(dir, { name: 'alice' });
    await expect(issueCert(dir, { name: 'alice' })).rejects.toThrow(InputError);
    await expect(issueCert(dir, { name: 'alice', force: true })).resolves.toBeDefined();
  });

  it('say how to make a CA when DIR has none, and refuse a CA key that is not one', async () => {
    await expect(issueCert(dir, { name: 'alice' })).rejects.toMatchObject({
      message: expect.stringMatching(/^no CA certificate: .*ca\.crt does not exist$/),
      fix: expect.stringMatching(/^create one with fmls certs init /),
    });
    await createCa(dir);
    writeFileSync(join(dir, 'ca.key'), 'not a key');
    await expect(issueCert(dir, { name: 'alice' })).rejects.toThrow(/ca\.key is not an ECDSA P-256 PKCS#8 key/);
  });

  it('report a directory it cannot write to', async () => {
    writeFileSync(join(dir, 'file'), '');
    await expect(createCa(join(dir, 'file', 'sub'))).rejects.toThrow(/cannot write to .*file\/sub: (ENOTDIR|EEXIST)/);
  });
});

describe('names', () => {
  it('accept node names usable as file names and refuse the rest', () => {
    expect(checkNodeName('hospital-a.1_x')).toBe('hospital-a.1_x');
    for (const bad of ['', '-a', '../x', 'a/b', 'a b', 'ca', 'x'.repeat(65)]) expect(() => checkNodeName(bad)).toThrow(InputError);
  });

  it('always include loopback, add DNS names and IPs once, and refuse non-hosts', () => {
    expect(subjectAltNames(['LOCALHOST', '127.0.0.1', 'Node.Example.org.', '::1'])).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'dns', value: 'node.example.org' },
    ]);
    for (const bad of ['host:7000', 'a_b.example', 'http://x', '-x.org', '']) expect(() => subjectAltNames([bad])).toThrow(/--host .* is neither a DNS name nor an IP address/);
  });
});
