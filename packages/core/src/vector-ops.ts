/**
 * The few vector operations aggregation needs. Plain Float32Array, tfjs tensors and
 * CKKS ciphertexts each implement it so a strategy is written once.
 */
export interface VectorOps<V> {
  readonly name: string;
  /** Whether per-coordinate comparisons (median, trimmed mean, Krum) are possible. */
  readonly supportsComparison: boolean;
  zeros(length: number): V;
  /** acc += weight * x, in place; returns acc. */
  addScaled(acc: V, x: V, weight: number): V;
  /** v *= factor, in place; returns v. */
  scale(v: V, factor: number): V;
  length(v: V): number;
}

/** VectorOps over Float32Array (the default, plaintext path). */
export const float32Ops: VectorOps<Float32Array> = {
  name: 'float32',
  supportsComparison: true,
  zeros: (length) => new Float32Array(length),
  addScaled(acc, x, weight) {
    if (acc.length !== x.length) throw new RangeError(`length mismatch: ${acc.length} vs ${x.length}`);
    for (let i = 0; i < x.length; i++) acc[i] += weight * x[i];
    return acc;
  },
  scale(v, factor) {
    for (let i = 0; i < v.length; i++) v[i] *= factor;
    return v;
  },
  length: (v) => v.length,
};
