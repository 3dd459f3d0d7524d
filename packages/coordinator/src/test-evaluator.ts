/** Central evaluation of each new global model on the coordinator's --test CSV. */
import { InputError, isClassification, type ModelSchema, type QualityMetrics } from '@fmls/core';
import { dataForSchema, type SchemaData, type Table } from '@fmls/data';
import { evaluate, type tf } from '@fmls/tensor';

export class TestEvaluator {
  private data: SchemaData | undefined;

  constructor(private readonly table: Table) {}

  /** Checks the test file has the label column, before anything starts. */
  static check(table: Table, label: string): void {
    if (!table.columns.includes(label)) {
      throw new InputError(`test file ${table.path} has no label column ${label}`, { fix: `add ${label} to the test file or check data.label in the task` });
    }
  }

  /** Prepares the data with the global schema; rows with classes no data owner holds are dropped. */
  prepare(schema: ModelSchema): { rows: number; dropped: number } {
    this.data = dataForSchema(this.table, schema, { dropUnknownClasses: true });
    if (this.data.n === 0) throw new InputError(`test file ${this.table.path} has no rows with a class the data owners hold`);
    return { rows: this.data.n, dropped: this.data.dropped };
  }

  evaluate(model: tf.LayersModel, schema: ModelSchema): QualityMetrics {
    if (!this.data) throw new Error('TestEvaluator.prepare must run first');
    return evaluate(model, this.data, schema.type, isClassification(schema.type) ? schema.classes.length : 1);
  }
}
