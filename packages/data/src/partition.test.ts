import { InputError } from '@fmls/core';
import { minRowsPerClient, parsePartition, partitionRows, type PartitionSpec } from './partition';

/** 10 classes of 100 rows each, interleaved. */
const labels = Array.from({ length: 1000 }, (_, i) => String(i % 10));

function expectExactCover(parts: number[][], n: number): void {
  const all = parts.flat().sort((a, b) => a - b);
  expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
}

/** The largest share any client's most common class has of that client's rows. */
function maxMajorityShare(parts: number[][], rowLabels: string[]): number {
  return Math.max(
    ...parts.map((rows) => {
      const counts = new Map<string, number>();
      for (const r of rows) counts.set(rowLabels[r] ?? '', (counts.get(rowLabels[r] ?? '') ?? 0) + 1);
      return Math.max(...counts.values()) / rows.length;
    }),
  );
}

describe('parsePartition', () => {
  it('accepts iid and dirichlet:<alpha>', () => {
    expect(parsePartition('iid')).toEqual({ kind: 'iid' });
    expect(parsePartition('dirichlet:0.5')).toEqual({ kind: 'dirichlet', alpha: 0.5 });
    expect(parsePartition(' dirichlet:2 ')).toEqual({ kind: 'dirichlet', alpha: 2 });
  });

  it.each(['', 'IID', 'random', 'dirichlet', 'dirichlet:', 'dirichlet:0', 'dirichlet:-1', 'dirichlet:abc', 'dirichlet:Infinity'])(
    'rejects %p with a fix listing both forms',
    (text) => {
      let error: unknown;
      try {
        parsePartition(text);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).fix).toMatch(/iid/);
      expect((error as InputError).fix).toMatch(/dirichlet:ALPHA/);
    },
  );
});

describe('partitionRows', () => {
  const specs: PartitionSpec[] = [{ kind: 'iid' }, { kind: 'dirichlet', alpha: 0.5 }, { kind: 'dirichlet', alpha: 0.05 }];

  it.each(specs)('uses every row exactly once and is deterministic per seed (%p)', (spec) => {
    const parts = partitionRows(labels, 7, spec, 42);
    expect(parts).toHaveLength(7);
    expectExactCover(parts, labels.length);
    for (const p of parts) expect(p.length).toBeGreaterThanOrEqual(minRowsPerClient(1000, 7));
    expect(partitionRows(labels, 7, spec, 42)).toEqual(parts);
    expect(partitionRows(labels, 7, spec, 43)).not.toEqual(parts);
  });

  it('splits iid into near-equal parts', () => {
    const sizes = partitionRows(labels, 3, { kind: 'iid' }, 1).map((p) => p.length);
    expect(sizes.sort()).toEqual([333, 333, 334]);
  });

  it('gives label skew with a small alpha, unlike iid', () => {
    for (let seed = 0; seed < 10; seed++) {
      const iid = maxMajorityShare(partitionRows(labels, 5, { kind: 'iid' }, seed), labels);
      const skewed = maxMajorityShare(partitionRows(labels, 5, { kind: 'dirichlet', alpha: 0.1 }, seed), labels);
      // iid clients mirror the 10% class shares; with alpha 0.1 a client is dominated by a class or two.
      expect(iid).toBeLessThan(0.2);
      expect(skewed).toBeGreaterThan(3 * iid);
    }
  });

  it('tops up clients when redraws cannot meet the minimum', () => {
    // Two classes, ten clients, a tiny alpha: each class lands almost entirely on one client.
    const two = Array.from({ length: 200 }, (_, i) => (i < 100 ? 'a' : 'b'));
    const parts = partitionRows(two, 10, { kind: 'dirichlet', alpha: 0.001 }, 9);
    expectExactCover(parts, 200);
    for (const p of parts) expect(p.length).toBeGreaterThanOrEqual(minRowsPerClient(200, 10));
  });

  it('allows one client and at most n/2 clients', () => {
    expect(partitionRows(['a', 'b', 'a'], 1, { kind: 'iid' }, 0)).toEqual([[0, 1, 2]]);
    expectExactCover(partitionRows(['a', 'b', 'a', 'b'], 2, { kind: 'dirichlet', alpha: 1 }, 0), 4);
    expect(() => partitionRows(['a', 'b', 'a'], 2, { kind: 'iid' }, 0)).toThrow(InputError);
    expect(() => partitionRows(labels, 0, { kind: 'iid' }, 0)).toThrow(InputError);
    expect(() => partitionRows(labels, 2.5, { kind: 'iid' }, 0)).toThrow(InputError);
  });
});
