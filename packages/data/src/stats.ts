/**
 * Federated normalisation: each data owner summarises its features as (count, mean, M2),
 * the coordinator merges the summaries, and every party normalises with the merged
 * mean and std. Raw rows never leave a data owner. Mean/M2 rather than Σx/Σx² because
 * Σx² − n·mean² cancels catastrophically for features with a large mean and small spread.
 */
import { InputError, type FeatureStats } from '@fmls/core';
import type { Dataset } from './dataset';

/** Stds below this are treated as a constant feature. */
export const MIN_STD = 1e-8;

/** Merged normalisation statistics, in the first part's feature order. */
export interface MergedStats {
  features: string[];
  mean: number[];
  /** Population std; 1 for a constant feature. */
  std: number[];
}

/** Count, mean and M2 of `count` values, by Welford's online algorithm in float64. */
export function columnStats(name: string, count: number, valueAt: (i: number) => number): FeatureStats {
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < count; i++) {
    const value = valueAt(i);
    const delta = value - mean;
    mean += delta / (i + 1);
    m2 += delta * (value - mean);
  }
  return { name, count, mean, m2 };
}

/** Per-feature count, mean and M2 of `ds`. */
export function featureStats(ds: Dataset): FeatureStats[] {
  return ds.features.map((name, j) => columnStats(name, ds.n, (i) => ds.x[i * ds.d + j] ?? 0));
}

function checkPart(part: FeatureStats[], p: number): Map<string, FeatureStats> {
  const byName = new Map<string, FeatureStats>();
  for (const s of part) {
    if (byName.has(s.name)) {
      throw new InputError(`feature statistics part ${p + 1} lists feature "${s.name}" twice`, {
        fix: 'every data owner must send one entry per feature',
      });
    }
    if (!(Number.isInteger(s.count) && s.count >= 0 && Number.isFinite(s.mean) && Number.isFinite(s.m2) && s.m2 >= 0)) {
      throw new InputError(`feature statistics part ${p + 1}, feature "${s.name}": invalid count ${s.count}, mean ${s.mean} or m2 ${s.m2}`, {
        fix: 'count must be a non-negative integer and mean, m2 finite with m2 >= 0; check the data owner that sent it',
      });
    }
    byName.set(s.name, s);
  }
  return byName;
}

function checkSameFeatures(names: string[], byName: Map<string, FeatureStats>, p: number): void {
  const missing = names.filter((name) => !byName.has(name));
  const extra = [...byName.keys()].filter((name) => !names.includes(name));
  if (missing.length > 0 || extra.length > 0) {
    const problems = [
      missing.length > 0 ? `lacks ${missing.join(', ')}` : '',
      extra.length > 0 ? `has extra ${extra.join(', ')}` : '',
    ].filter(Boolean);
    throw new InputError(`feature statistics part ${p + 1} ${problems.join(' and ')} compared with part 1`, {
      fix: 'every data owner must use the same feature columns (set data.features in the task)',
    });
  }
}

/**
 * Merges per-owner statistics with Chan et al.'s parallel formula, per feature name.
 * Parts may list features in any order; the result follows the first part's order.
 *
 * A feature whose pooled std is below MIN_STD (1e-8) gets std 1: it is constant, so
 * x − mean is already 0 everywhere and dividing by ~0 would only turn it into NaN or
 * noise amplified by 1e8.
 *
 * @throws InputError when there are no parts, the parts disagree on feature names, an
 * entry is invalid, or the counts sum to zero.
 */
export function mergeStats(parts: FeatureStats[][]): MergedStats {
  const first = parts[0];
  if (first === undefined) {
    throw new InputError('no feature statistics to merge', { fix: 'at least one data owner must send its statistics' });
  }
  const features = first.map((s) => s.name);
  const maps = parts.map((part, p) => {
    const byName = checkPart(part, p);
    checkSameFeatures(features, byName, p);
    return byName;
  });
  const mean: number[] = [];
  const std: number[] = [];
  for (const name of features) {
    let n = 0;
    let mu = 0;
    let m2 = 0;
    for (const byName of maps) {
      const s = byName.get(name);
      if (s === undefined || s.count === 0) continue;
      const total = n + s.count;
      const delta = s.mean - mu;
      mu += (delta * s.count) / total;
      m2 += s.m2 + (delta * delta * n * s.count) / total;
      n = total;
    }
    if (n === 0) {
      throw new InputError(`feature statistics for "${name}" have a total count of 0`, {
        fix: 'at least one data owner must have rows',
      });
    }
    const sd = Math.sqrt(m2 / n);
    mean.push(mu);
    std.push(sd < MIN_STD ? 1 : sd);
  }
  return { features, mean, std };
}

/**
 * (x − mean) / std per feature, into a new array; `x` is n×d row-major.
 *
 * @throws RangeError when the lengths do not fit `d` (a bug in the caller).
 */
export function normalise(x: Float32Array, d: number, mean: number[], std: number[]): Float32Array {
  if (!Number.isInteger(d) || d < 1 || x.length % d !== 0 || mean.length !== d || std.length !== d) {
    throw new RangeError(`normalise: x has ${x.length} values, d = ${d}, ${mean.length} means and ${std.length} stds`);
  }
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % d;
    out[i] = ((x[i] ?? 0) - (mean[j] ?? 0)) / (std[j] ?? 1);
  }
  return out;
}
