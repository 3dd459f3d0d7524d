/**
 * The data owner's rows, shaped for the task: checked against the task's label and
 * features before any connection is made, summarised for the join (statistics and
 * classes, never rows), and normalised with the global schema once it is known.
 */
import { InputError, isClassification, type FeatureStats, type ModelSchema, type TaskSpec } from '@fmls/core';
import { dataForSchema, distinctClasses, featureStats, numericLabels, readCsv, toDataset, type Dataset, type Table } from '@fmls/data';
import type { TrainData } from '@fmls/tensor';

export class LocalData {
  private constructor(readonly table: Table, readonly dataset: Dataset) {}

  /** Loads and checks the CSV for a task. */
  static forTask(table: Table, spec: TaskSpec): LocalData {
    const ds = toDataset(table, { label: spec.data.label, features: spec.data.features });
    if (spec.type === 'regression') numericLabels(ds.labels, table.path);
    return new LocalData(table, ds);
  }

  static read(path: string): Table {
    return readCsv(path);
  }

  /** Checks a label given on the command line before connecting. */
  static checkLabel(table: Table, label: string): void {
    if (!table.columns.includes(label)) {
      throw new InputError(`${table.path} has no column ${JSON.stringify(label)}`, {
        fix: `columns are ${table.columns.slice(0, 8).join(', ')}${table.columns.length > 8 ? ', …' : ''}; pass the right --label`,
      });
    }
  }

  get samples(): number {
    return this.dataset.n;
  }

  stats(): FeatureStats[] {
    return featureStats(this.dataset);
  }

  classes(spec: TaskSpec): string[] {
    return isClassification(spec.type) ? distinctClasses(this.dataset.labels) : [];
  }

  /** Reorders features to the schema, normalises with the global statistics, encodes labels. */
  toTrainData(schema: ModelSchema): TrainData {
    return dataForSchema(this.table, schema);
  }
}
