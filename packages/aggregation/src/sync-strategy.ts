/**
 * Synchronous strategies: a pure map from (global model, weighted mean of the
 * clients' models) to the next global model. The round loop lives in the coordinator.
 */
import { ConfigError } from '@fmls/core';

export interface SyncStrategy {
  readonly name: string;
  /** Returns the next global model; may reuse `mean`'s storage. */
  apply(global: Float32Array, mean: Float32Array): Float32Array;
}

/** FedAvg: the next global model is the weighted mean of the clients' models. */
export const fedAvg: SyncStrategy = {
  name: 'fedavg',
  apply: (_global, mean) => mean,
};

const registry = new Map<string, () => SyncStrategy>([['fedavg', () => fedAvg]]);

/** Looks a strategy up by the name used in the task file. */
export function createSyncStrategy(name: string): SyncStrategy {
  const make = registry.get(name);
  if (!make) throw new ConfigError(`unknown strategy ${name}`, { fix: `use one of ${[...registry.keys()].join(', ')}` });
  return make();
}
