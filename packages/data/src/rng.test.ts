import { Rng } from './rng';

describe('Rng', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
    expect(new Rng(2 ** 32 + 1).next()).not.toBe(new Rng(1).next());
  });

  it('draws uniforms in [0, 1) and integers in [0, n)', () => {
    const rng = new Rng(7);
    const counts = new Array<number>(5).fill(0);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const u = rng.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      const k = rng.int(5);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(sum / 20000).toBeCloseTo(0.5, 1);
    for (const count of counts) expect(Math.abs(count - 4000)).toBeLessThan(300);
    expect(() => rng.int(0)).toThrow(RangeError);
  });

  it('draws standard normals', () => {
    const rng = new Rng(3);
    const xs = Array.from({ length: 20000 }, () => rng.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it.each([0.1, 0.5, 1, 2.5, 10])('draws gamma(%p) with mean and variance equal to the shape', (shape) => {
    const rng = new Rng(11);
    const xs = Array.from({ length: 20000 }, () => rng.gamma(shape));
    for (const x of xs) expect(x).toBeGreaterThanOrEqual(0);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean - shape) / shape).toBeLessThan(0.05);
    expect(Math.abs(variance - shape) / shape).toBeLessThan(0.15);
  });

  it('rejects a non-positive gamma shape', () => {
    expect(() => new Rng(1).gamma(0)).toThrow(RangeError);
  });

  it('shuffles in place into a permutation, deterministically', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new Rng(5).shuffle(a);
    expect(shuffled).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(a).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(new Rng(5).shuffle(Array.from({ length: 50 }, (_, i) => i))).toEqual(a);
  });
});
