/**
 * Streaming weighted mean: updates are folded in one at a time, so memory is one
 * model-sized accumulator whatever the number of clients (FedAvg, McMahan et al. 2017).
 */
import { ValidationError, type VectorOps } from '@fmls/core';

export class WeightedMeanAccumulator<V> {
  private acc: V;
  private total = 0;
  private folded = 0;

  constructor(private readonly ops: VectorOps<V>, readonly length: number) {
    this.acc = ops.zeros(length);
  }

  /** Number of updates folded in. */
  get count(): number {
    return this.folded;
  }

  get totalWeight(): number {
    return this.total;
  }

  /** acc += weight * x. */
  add(x: V, weight: number): void {
    if (!Number.isFinite(weight) || weight <= 0) throw new ValidationError(`update weight ${weight} must be positive and finite`);
    if (this.ops.length(x) !== this.length) {
      throw new ValidationError(`update has ${this.ops.length(x)} values, the model has ${this.length}`);
    }
    this.ops.addScaled(this.acc, x, weight);
    this.total += weight;
    this.folded++;
  }

  /** Σ wᵢxᵢ / Σ wᵢ. Consumes the accumulator: call once per round. */
  mean(): V {
    if (this.folded === 0) throw new ValidationError('no updates to average');
    const result = this.ops.scale(this.acc, 1 / this.total);
    this.acc = this.ops.zeros(0);
    return result;
  }
}

/** The weight FedAvg gives an update: its sample count, or 1 for a uniform mean. */
export function updateWeight(sampleCount: number, weighting: 'samples' | 'uniform'): number {
  return weighting === 'samples' ? sampleCount : 1;
}
