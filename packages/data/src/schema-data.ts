/**
 * Rows in model-input form for a given schema: features in the schema's order,
 * normalised with its statistics, labels encoded as class indices (or numbers).
 * Shared by the coordinator's test set, the data owner's training data and `fmls evaluate`.
 */
import { isClassification, type ModelSchema } from '@fmls/core';
import { encodeClasses, numericLabels, subset, toDataset } from './dataset';
import type { Table } from './csv';
import { normalise } from './stats';

export interface SchemaData {
  /** n rows of d features, row-major, normalised. */
  x: Float32Array;
  n: number;
  d: number;
  /** Class index (classification) or target value (regression) per row. */
  y: Int32Array | Float32Array;
  /** Rows left out because their class is not one of the schema's. */
  dropped: number;
}

/**
 * `dropUnknownClasses`: rows whose label is not among the schema's classes are left out
 * (and counted) instead of failing, for evaluation data that may hold extra classes.
 */
export function dataForSchema(table: Table, schema: ModelSchema, options: { dropUnknownClasses?: boolean } = {}): SchemaData {
  let ds = toDataset(table, { label: schema.label, features: schema.features });
  let dropped = 0;
  const classification = isClassification(schema.type);
  if (classification && options.dropUnknownClasses) {
    const known = new Set(schema.classes);
    const keep = [...Array(ds.n).keys()].filter((i) => known.has(ds.labels[i]));
    dropped = ds.n - keep.length;
    if (dropped > 0) ds = subset(ds, keep);
  }
  return {
    x: normalise(ds.x, ds.d, schema.mean, schema.std),
    n: ds.n,
    d: ds.d,
    y: classification ? encodeClasses(ds.labels, schema.classes) : numericLabels(ds.labels, table.path),
    dropped,
  };
}
