/** The task a simulation runs when no --task file is given: sensible defaults per dataset. */
import { parseTaskSpec, type TaskSpec, type TaskSpecInput, type TaskType } from '@fmls/core';
import type { BundledDataset } from '@fmls/data';

export type ModelChoice = 'logistic-regression' | 'linear-regression' | 'mlp' | 'cnn';

export interface TaskOverrides {
  label: string;
  type?: TaskType;
  model?: ModelChoice;
  rounds?: number;
  minClients?: number;
  localEpochs?: number;
  learningRate?: number;
  batchSize?: number;
  roundTimeoutS?: number;
  seed?: number;
}

export function defaultTask(bundled: BundledDataset | undefined, o: TaskOverrides): TaskSpec {
  const type: TaskType = o.type ?? bundled?.type ?? (o.model === 'linear-regression' ? 'regression' : 'tabular-classification');
  const model = o.model ?? bundled?.suggestedModel.type ?? (type === 'regression' ? 'linear-regression' : 'logistic-regression');
  const spec: TaskSpecInput = {
    name: bundled ? `${bundled.name} simulation` : 'simulation',
    type,
    model: model === 'cnn' ? { type: 'cnn' } : model === 'mlp' ? { type: 'mlp', hidden: bundled?.suggestedModel.type === 'mlp' ? bundled.suggestedModel.hidden : [64] } : { type: model },
    data: { label: o.label },
    train: { optimizer: 'adam', learningRate: o.learningRate ?? 0.02, batchSize: o.batchSize ?? 32, localEpochs: o.localEpochs ?? 1 },
    aggregation: { rounds: o.rounds ?? 20, minClients: o.minClients ?? 2, roundTimeoutS: o.roundTimeoutS ?? 60 },
    seed: o.seed ?? 42,
  };
  return parseTaskSpec(spec, 'simulation task');
}

/** Applies command-line overrides that the user gave explicitly to a task file. */
export function overrideTask(spec: TaskSpec, o: Partial<TaskOverrides>): TaskSpec {
  return parseTaskSpec(
    {
      ...spec,
      seed: o.seed ?? spec.seed,
      train: { ...spec.train, ...(o.localEpochs && { localEpochs: o.localEpochs }), ...(o.learningRate && { learningRate: o.learningRate }), ...(o.batchSize && { batchSize: o.batchSize }) },
      aggregation: { ...spec.aggregation, ...(o.rounds && { rounds: o.rounds }), ...(o.minClients && { minClients: o.minClients }), ...(o.roundTimeoutS && { roundTimeoutS: o.roundTimeoutS }) },
    },
    'task after command-line overrides',
  );
}
