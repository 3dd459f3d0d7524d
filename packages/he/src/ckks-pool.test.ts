import { CkksContext } from './ckks';
import { CkksPool } from './ckks-pool';

describe('CkksPool', () => {
  it('encrypts and decrypts across worker threads, interchangeably with CkksContext', async () => {
    const ckks = await CkksContext.create();
    const keys = ckks.generateKeys();
    const pool = new CkksPool(ckks.params, keys, 2);
    try {
      const n = 3 * ckks.slots + 17; // four ciphertexts, split over two workers
      const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
      const cts = await pool.encrypt(v, 3);
      expect(cts).toHaveLength(4);
      const single = ckks.decrypt(cts, n, keys.secretKey);
      const parallel = await pool.decrypt(cts, n);
      for (const i of [0, ckks.slots - 1, ckks.slots, 2 * ckks.slots + 5, n - 1]) {
        expect(single[i] / 3).toBeCloseTo(v[i], 4);
        expect(parallel[i]).toBeCloseTo(single[i], 6);
      }
      // The vector given to encrypt is not consumed by the transfer to the workers.
      expect(v[5]).toBeCloseTo(Math.sin(5), 6);
    } finally {
      await pool.dispose();
      ckks.dispose();
    }
  });
});
