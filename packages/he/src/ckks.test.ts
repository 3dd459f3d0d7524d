import { joinCiphertexts, splitCiphertexts } from './ciphertext-blob';
import { CkksContext } from './ckks';

/** Deterministic values in [-1, 1) (a 32-bit LCG; quality is irrelevant here). */
class Lcg {
  constructor(private state: number) {}
  next(): number {
    this.state = (Math.imul(this.state, 1664525) + 1013904223) >>> 0;
    return this.state / 2 ** 32;
  }
}

function randomVector(rng: Lcg, n: number): Float32Array {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (rng.next() - 0.5) * 2;
  return v;
}

describe('CKKS aggregation', () => {
  let ckks: CkksContext;
  beforeAll(async () => {
    ckks = await CkksContext.create();
  });
  afterAll(() => ckks.dispose());

  it('computes FedAvg of three updates to within 1e-4 of the plaintext weighted mean', () => {
    const rng = new Lcg(7);
    const n = 10_000; // not a multiple of the 4096 slots: the last ciphertext is padded
    const updates = [randomVector(rng, n), randomVector(rng, n), randomVector(rng, n)];
    const samples = [120, 45, 300];
    const keys = ckks.generateKeys();
    const acc = ckks.accumulator(ckks.ciphertextCount(n));
    updates.forEach((u, i) => acc.add(ckks.encrypt(u, samples[i], keys)));
    const total = samples.reduce((s, x) => s + x, 0);
    const sum = ckks.decrypt(acc.result(), n, keys.secretKey);
    acc.dispose();
    let worst = 0;
    for (let j = 0; j < n; j++) {
      const expected = updates.reduce((s, u, i) => s + u[j] * samples[i], 0) / total;
      worst = Math.max(worst, Math.abs(sum[j] / total - expected));
    }
    expect(worst).toBeLessThan(1e-4);
    expect(worst).toBeGreaterThan(0); // it really went through CKKS (approximate arithmetic)
  });

  it('round-trips vectors shorter than, equal to and longer than one ciphertext', () => {
    const keys = ckks.generateKeys();
    for (const n of [1, 4095, 4096, 4097, 9000]) {
      const v = randomVector(new Lcg(n), n);
      const cts = ckks.encrypt(v, 1, keys);
      expect(cts).toHaveLength(ckks.ciphertextCount(n));
      const back = ckks.decrypt(cts, n, keys.secretKey);
      expect(back).toHaveLength(n);
      for (let i = 0; i < n; i++) expect(Math.abs(back[i] - v[i])).toBeLessThan(1e-5);
    }
  });

  it('encrypts with the public key alone, and cannot decrypt with another secret key', () => {
    const keys = ckks.generateKeys();
    const other = ckks.generateKeys();
    const v = randomVector(new Lcg(1), 100);
    const cts = ckks.encrypt(v, 1, { publicKey: keys.publicKey });
    const right = ckks.decrypt(cts, 100, keys.secretKey);
    const wrong = ckks.decrypt(cts, 100, other.secretKey);
    expect(Math.abs(right[3] - v[3])).toBeLessThan(1e-5);
    expect(Math.abs(wrong[3] - v[3])).toBeGreaterThan(1);
  });

  it('takes Node Buffers (as gRPC delivers them) and refuses bytes that are not ciphertexts', () => {
    const keys = ckks.generateKeys();
    const v = randomVector(new Lcg(3), 10);
    const asBuffers = (xs: Uint8Array[]): Buffer[] => xs.map((x) => Buffer.concat([Buffer.alloc(3), Buffer.from(x)]).subarray(3));
    const cts = asBuffers(ckks.encrypt(v, 1, { publicKey: Buffer.from(keys.publicKey), secretKey: Buffer.from(keys.secretKey) }));
    const back = ckks.decrypt(cts, 10, Buffer.from(keys.secretKey));
    expect(Math.abs(back[9] - v[9])).toBeLessThan(1e-5);
    const acc = ckks.accumulator(1);
    expect(() => acc.add([Buffer.from('not a ciphertext')])).toThrow(/does not load/);
    acc.add(cts);
    expect(acc.added).toBe(1);
    acc.dispose();
  });

  it('refuses parameters SEAL cannot use safely', async () => {
    await expect(CkksContext.create({ scaleBits: 55 })).rejects.toThrow(/scaleBits/);
    await expect(CkksContext.create({ polyModulusDegree: 4096 as 8192 })).rejects.toThrow(/polyModulusDegree/);
  });
});

describe('ciphertext blob', () => {
  it('joins and splits, refusing truncation and a wrong count', () => {
    const parts = [Buffer.from('abc'), Buffer.from('defgh')];
    const blob = joinCiphertexts(parts);
    expect(splitCiphertexts(blob, 2).map((b) => Buffer.from(b).toString())).toEqual(['abc', 'defgh']);
    expect(() => splitCiphertexts(blob, 3)).toThrow(/2 ciphertexts where the model needs 3/);
    expect(() => splitCiphertexts(blob.subarray(0, blob.length - 1), 2)).toThrow(/bad length/);
  });
});
