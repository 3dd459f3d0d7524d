import { InputError, type FeatureStats } from '@fmls/core';
import type { Dataset } from './dataset';
import { Rng } from './rng';
import { featureStats, mergeStats, normalise } from './stats';

function dataset(features: string[], rows: number[][]): Dataset {
  return { features, label: 'y', x: Float32Array.from(rows.flat()), labels: rows.map(() => 'a'), n: rows.length, d: features.length };
}

/** Mean and population std of each column of the union, computed directly in float64. */
function pooled(parts: Dataset[], d: number): { mean: number[]; std: number[] } {
  const columns: number[][] = Array.from({ length: d }, () => []);
  for (const ds of parts) for (let i = 0; i < ds.n * d; i++) columns[i % d]?.push(ds.x[i] ?? 0);
  const mean = columns.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
  const std = columns.map((c, j) => Math.sqrt(c.reduce((a, v) => a + (v - (mean[j] ?? 0)) ** 2, 0) / c.length));
  return { mean, std };
}

function randomParts(rng: Rng, sizes: number[], scale: number[], offset: number[]): Dataset[] {
  return sizes.map((n) =>
    dataset(
      scale.map((_, j) => `f${j}`),
      Array.from({ length: n }, () => scale.map((s, j) => (offset[j] ?? 0) + s * rng.normal())),
    ),
  );
}

function expectClose(actual: number[], expected: number[], relative: number): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i] ?? Number.NaN;
    expect(Math.abs(a - e)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(e)));
  });
}

describe('featureStats', () => {
  it('gives count, mean and M2 per feature', () => {
    const stats = featureStats(dataset(['a', 'b'], [[1, 10], [2, 10], [3, 10], [6, 10]]));
    expect(stats).toEqual([
      { name: 'a', count: 4, mean: 3, m2: 14 },
      { name: 'b', count: 4, mean: 10, m2: 0 },
    ]);
  });
});

describe('mergeStats', () => {
  it('equals the pooled mean and std of the union', () => {
    const parts = randomParts(new Rng(1), [37, 5, 120], [1, 3, 0.2], [0, -4, 2]);
    const merged = mergeStats(parts.map(featureStats));
    const direct = pooled(parts, 3);
    expect(merged.features).toEqual(['f0', 'f1', 'f2']);
    expectClose(merged.mean, direct.mean, 1e-9);
    expectClose(merged.std, direct.std, 1e-9);
  });

  it('stays accurate for a large mean and small spread', () => {
    const parts = randomParts(new Rng(2), [50, 80, 3], [0.5, 20], [1e5, 3e4]);
    const merged = mergeStats(parts.map(featureStats));
    const direct = pooled(parts, 2);
    expectClose(merged.mean, direct.mean, 1e-9);
    expectClose(merged.std, direct.std, 1e-9);
  });

  it('matches features by name and keeps the first part order', () => {
    const a: FeatureStats[] = [
      { name: 'x', count: 2, mean: 1, m2: 2 },
      { name: 'y', count: 2, mean: 10, m2: 8 },
    ];
    const b: FeatureStats[] = [
      { name: 'y', count: 2, mean: 10, m2: 8 },
      { name: 'x', count: 2, mean: 3, m2: 2 },
    ];
    const merged = mergeStats([a, b]);
    expect(merged.features).toEqual(['x', 'y']);
    expect(merged.mean).toEqual([2, 10]);
    // x: values {0, 2, 2, 4} → variance 2; y: variance 4.
    expect(merged.std).toEqual([Math.SQRT2, 2]);
  });

  it('uses std 1 for a constant feature', () => {
    const merged = mergeStats([featureStats(dataset(['c'], [[5], [5]])), featureStats(dataset(['c'], [[5]]))]);
    expect(merged).toEqual({ features: ['c'], mean: [5], std: [1] });
  });

  it('skips parts with no rows', () => {
    const merged = mergeStats([[{ name: 'x', count: 0, mean: 0, m2: 0 }], [{ name: 'x', count: 2, mean: 4, m2: 8 }]]);
    expect(merged).toEqual({ features: ['x'], mean: [4], std: [2] });
  });

  it('rejects parts that disagree on features, naming the mismatch', () => {
    const a: FeatureStats[] = [
      { name: 'x', count: 1, mean: 0, m2: 0 },
      { name: 'y', count: 1, mean: 0, m2: 0 },
    ];
    const b: FeatureStats[] = [
      { name: 'x', count: 1, mean: 0, m2: 0 },
      { name: 'z', count: 1, mean: 0, m2: 0 },
    ];
    const err = (() => {
      try {
        mergeStats([a, a, b]);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe('feature statistics part 3 lacks y and has extra z compared with part 1');
    expect(() => mergeStats([])).toThrow(InputError);
    expect(() => mergeStats([[{ name: 'x', count: 1, mean: 0, m2: -1 }]])).toThrow(InputError);
    expect(() => mergeStats([[{ name: 'x', count: 0, mean: 0, m2: 0 }]])).toThrow(/total count of 0/);
  });
});

describe('normalise', () => {
  it('returns (x - mean) / std per feature in a new array', () => {
    const x = Float32Array.from([1, 10, 3, 30]);
    const out = normalise(x, 2, [2, 20], [1, 10]);
    expect(Array.from(out)).toEqual([-1, -1, 1, 1]);
    expect(Array.from(x)).toEqual([1, 10, 3, 30]);
    expect(() => normalise(x, 3, [0, 0, 0], [1, 1, 1])).toThrow(RangeError);
  });
});
