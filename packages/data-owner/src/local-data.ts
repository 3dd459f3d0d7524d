/**
 * The data owner's rows, shaped for the task: checked against the task's label and
 * features before any connection is made, summarised for the join (statistics and
 * classes, never rows), and normalised with the global schema once it is known.
 */
import { isClassification, type FeatureStats, type ModelSchema, type TaskSpec } from '@fmls/core';
import { columnStats, dataForSchema, distinctClasses, featureStats, numericLabels, toDataset, type Dataset, type Table } from '@fmls/data';
import type { TrainData } from '@fmls/tensor';

export class LocalData {
  private constructor(readonly table: Table, readonly dataset: Dataset) {}

  /** Loads and checks the CSV for a task. */
  static forTask(table: Table, spec: TaskSpec): LocalData {
    const ds = toDataset(table, { label: spec.data.label, features: spec.data.features });
    if (spec.type === 'regression') numericLabels(ds.labels, table.path);
    return new LocalData(table, ds);
  }

  /**
   * Checks a CSV before connecting, given the label: the column exists and every other
   * column is numeric. (Without --label the check waits for the task, which may select
   * features with data.features and leave a non-numeric column out.)
   */
  static check(table: Table, label: string): void {
    toDataset(table, { label });
  }

  get samples(): number {
    return this.dataset.n;
  }

  stats(): FeatureStats[] {
    return featureStats(this.dataset);
  }

  /** Regression: statistics of the target; undefined for classification. */
  labelStats(spec: TaskSpec): FeatureStats | undefined {
    if (isClassification(spec.type)) return undefined;
    const y = numericLabels(this.dataset.labels, this.table.path);
    return columnStats(spec.data.label, y.length, (i) => y[i]);
  }

  classes(spec: TaskSpec): string[] {
    return isClassification(spec.type) ? distinctClasses(this.dataset.labels) : [];
  }

  /** Reorders features to the schema, normalises with the global statistics, encodes labels. */
  toTrainData(schema: ModelSchema): TrainData {
    return dataForSchema(this.table, schema);
  }
}
