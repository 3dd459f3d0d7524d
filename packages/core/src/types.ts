/** Domain types shared by every package. */

/** What is learned: classes or a number. Image classification is classification over pixel features. */
export type TaskType = 'tabular-classification' | 'image-classification' | 'regression';

export function isClassification(type: TaskType): boolean {
  return type !== 'regression';
}

/**
 * Per-feature sufficient statistics from one data owner: count, mean and M2 (sum of
 * squared deviations from the mean). Merged across owners with Chan et al.'s
 * parallel-variance formula, so raw rows never leave a data owner.
 */
export interface FeatureStats {
  name: string;
  count: number;
  mean: number;
  m2: number;
}

/**
 * The schema every party trains and predicts with; written as schema.json beside the model.
 * `features` are in model-input order; `classes` in model-output order (classification only).
 */
export interface ModelSchema {
  type: TaskType;
  features: string[];
  label: string;
  /** Output order of the classifier; empty for regression. */
  classes: string[];
  /** Normalisation the model expects: x' = (x - mean) / std, per feature. */
  mean: number[];
  std: number[];
  /** Regression: global mean and std of the target (the output layer starts at the mean). */
  labelMean?: number;
  labelStd?: number;
}

/** Model quality (M-9.5). Classification fills accuracy..auc; regression fills mse. */
export interface QualityMetrics {
  loss: number;
  accuracy?: number;
  precision?: number;
  recall?: number;
  auc?: number;
  mse?: number;
  count: number;
}

/** Tensor backend names selectable with --backend. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';
