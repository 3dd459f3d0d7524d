/** Holding out test rows, reproducibly from a seed. */
import { InputError } from '@fmls/core';
import { distinctClasses } from './dataset';
import { Rng } from './rng';

/** Row indices of a train/test split, each in ascending order. */
export interface TrainTestSplit {
  train: number[];
  test: number[];
}

/**
 * How many of each group go to test so the total is exactly `target`: each group's
 * share rounded down, then the leftover given to the largest remainders (Hamilton's
 * method), so the class proportions of the test rows match the whole as closely as possible.
 */
function apportion(sizes: number[], fraction: number, target: number): number[] {
  const quotas = sizes.map((s) => s * fraction);
  const counts = quotas.map(Math.floor);
  let left = target - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, i) => ({ i, rest: q - Math.floor(q) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    if ((counts[i] ?? 0) < (sizes[i] ?? 0)) {
      counts[i] = (counts[i] ?? 0) + 1;
      left--;
    }
  }
  return counts;
}

/**
 * Splits rows 0..n−1 into train and test; round(n·testFraction) rows go to test, clamped
 * so neither side is empty. When `labels` is given the split is stratified: each class
 * contributes to test in proportion to its size.
 *
 * @throws InputError when testFraction is not in (0, 1), n < 2, or labels has the wrong length.
 */
export function trainTestSplit(n: number, testFraction: number, seed: number, labels?: readonly string[]): TrainTestSplit {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new InputError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`, {
      fix: 'pass a fraction such as 0.2 to hold out 20% of the rows for testing',
    });
  }
  if (!Number.isInteger(n) || n < 2) {
    throw new InputError(`cannot split ${n} rows into train and test rows`, {
      fix: 'the data needs at least 2 rows: one to train on and one to test on',
    });
  }
  if (labels !== undefined && labels.length !== n) {
    throw new InputError(`trainTestSplit: ${labels.length} labels for ${n} rows`, { fix: 'pass one label per row' });
  }
  const rng = new Rng(seed);
  const target = Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
  const groups: number[][] = [];
  if (labels === undefined) {
    groups.push(Array.from({ length: n }, (_, i) => i));
  } else {
    const classIndex = new Map(distinctClasses(labels).map((c, i) => [c, i] as const));
    for (let k = 0; k < classIndex.size; k++) groups.push([]);
    labels.forEach((label, i) => groups[classIndex.get(label) ?? 0]?.push(i));
  }
  const counts = apportion(
    groups.map((g) => g.length),
    target / n,
    target,
  );
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((group, k) => {
    const rows = rng.shuffle([...group]);
    const take = counts[k] ?? 0;
    test.push(...rows.slice(0, take));
    train.push(...rows.slice(take));
  });
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
