/**
 * From a CSV table to the numeric matrix a model trains on. Labels stay strings until
 * the task type decides whether they are classes (encodeClasses) or numbers (numericLabels).
 */
import { InputError } from '@fmls/core';
import { lineOf, type Table } from './csv';
import { FLOAT32_MAX, parseDecimal } from './parse-number';

/** Examples as a dense feature matrix plus the raw label of each row. */
export interface Dataset {
  /** Feature names in model-input order (the column order of `x`). */
  features: string[];
  /** Name of the label column. */
  label: string;
  /** n×d feature matrix, row-major. */
  x: Float32Array;
  /** The raw label cell of each row. */
  labels: string[];
  /** Number of rows. */
  n: number;
  /** Number of features. */
  d: number;
}

/** Options of toDataset. */
export interface DatasetOptions {
  /** Name of the label column. */
  label: string;
  /** Feature columns in model-input order; default: every column but the label, in file order. */
  features?: string[];
}

/** Names joined for a one-line message, shortened when there are many. */
export function listNames(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown}, … (${names.length - max} more)` : shown;
}

function chooseFeatures(table: Table, opts: DatasetOptions): string[] {
  const { path, columns } = table;
  if (!columns.includes(opts.label)) {
    throw new InputError(`label column "${opts.label}" not found in ${path}; columns: ${listNames(columns)}`, {
      fix: 'pass --label COLUMN (or set data.label in the task file) to one of the columns',
    });
  }
  if (opts.features === undefined) {
    const features = columns.filter((c) => c !== opts.label);
    if (features.length === 0) {
      throw new InputError(`${path} has no feature columns besides the label "${opts.label}"`, {
        fix: 'add feature columns to the file, or choose another label column',
      });
    }
    return features;
  }
  const missing = opts.features.filter((f) => !columns.includes(f));
  if (missing.length > 0) {
    throw new InputError(`feature column${missing.length > 1 ? 's' : ''} ${missing.map((f) => `"${f}"`).join(', ')} not found in ${path}; columns: ${listNames(columns)}`, {
      fix: 'correct data.features in the task file to name columns of the CSV',
    });
  }
  if (opts.features.includes(opts.label)) {
    throw new InputError(`the label "${opts.label}" is also listed as a feature`, {
      fix: 'remove the label column from data.features',
    });
  }
  const duplicate = opts.features.find((f, i) => opts.features?.indexOf(f) !== i);
  if (duplicate !== undefined) {
    throw new InputError(`feature "${duplicate}" is listed twice in data.features`, { fix: 'list each feature column once' });
  }
  if (opts.features.length === 0) {
    throw new InputError('data.features is empty', { fix: 'list at least one feature column, or leave data.features out to use every column' });
  }
  return [...opts.features];
}

function parseFeature(table: Table, row: number, column: string, cell: string): number {
  const where = `${table.path} line ${lineOf(table, row)}, column ${column}`;
  if (cell === '') {
    throw new InputError(`${where} is empty`, {
      fix: 'fill in the missing value or remove the row (fmls does not impute missing values)',
    });
  }
  const value = parseDecimal(cell);
  if (value === undefined) {
    throw new InputError(`${where}: "${cell}" is not a number`, {
      fix: 'every feature cell must be a number: fix the value, encode the column numerically, or leave it out with data.features',
    });
  }
  if (!Number.isFinite(value) || Math.abs(value) > FLOAT32_MAX) {
    throw new InputError(`${where}: "${cell}" is not a finite number`, {
      fix: `replace the value with a finite number within ±${FLOAT32_MAX.toPrecision(3)}, or remove the row`,
    });
  }
  return value;
}

/**
 * Builds a Dataset from a table: the chosen feature columns parsed as numbers, and the
 * label column kept as strings.
 *
 * @throws InputError when the label or a feature column is missing, or a feature cell is
 * empty, not a number or not finite (naming file, line, column and value), or a label cell is empty.
 */
export function toDataset(table: Table, opts: DatasetOptions): Dataset {
  const features = chooseFeatures(table, opts);
  const index = new Map(table.columns.map((c, i) => [c, i] as const));
  const featureIndex = features.map((f) => index.get(f) ?? -1);
  const labelIndex = index.get(opts.label) ?? -1;
  const n = table.rows.length;
  const d = features.length;
  const x = new Float32Array(n * d);
  const labels: string[] = new Array<string>(n);
  table.rows.forEach((row, r) => {
    featureIndex.forEach((c, j) => {
      x[r * d + j] = parseFeature(table, r, features[j] ?? '', row[c] ?? '');
    });
    const label = row[labelIndex] ?? '';
    if (label === '') {
      throw new InputError(`${table.path} line ${lineOf(table, r)}: label column ${opts.label} is empty`, {
        fix: 'every row needs a label: fill it in or remove the row',
      });
    }
    labels[r] = label;
  });
  return { features, label: opts.label, x, labels, n, d };
}

/**
 * The rows of `ds` at the given indices, in that order, copied (a row may repeat).
 *
 * @throws RangeError when an index is not a row of `ds` (a bug in the caller).
 */
export function subset(ds: Dataset, rows: number[]): Dataset {
  const { d } = ds;
  const x = new Float32Array(rows.length * d);
  const labels = rows.map((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= ds.n) {
      throw new RangeError(`subset: row ${r} is not in 0..${ds.n - 1}`);
    }
    x.set(ds.x.subarray(r * d, (r + 1) * d), i * d);
    return ds.labels[r] ?? '';
  });
  return { features: [...ds.features], label: ds.label, x, labels, n: rows.length, d };
}

/** The numeric value of a label when it is a finite decimal number. */
function numericValue(label: string): number | undefined {
  const value = parseDecimal(label);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

/**
 * The distinct labels in model-output order: ascending by value when every label is a
 * finite number (so "2" comes before "10"), otherwise lexicographic (by UTF-16 code unit,
 * which does not depend on the locale and so is the same for every party).
 */
export function distinctClasses(labels: readonly string[]): string[] {
  const classes = [...new Set(labels)];
  const values = classes.map(numericValue);
  if (values.every((v) => v !== undefined)) {
    const byValue = new Map(classes.map((c, i) => [c, values[i] ?? 0] as const));
    // "2" and "2.0" are distinct classes of equal value; the text order breaks the tie.
    return classes.sort((a, b) => (byValue.get(a) ?? 0) - (byValue.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
  }
  return classes.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Each label's index into `classes`.
 *
 * @throws InputError naming the first label that is not one of `classes`.
 */
export function encodeClasses(labels: readonly string[], classes: readonly string[]): Int32Array {
  const index = new Map(classes.map((c, i) => [c, i] as const));
  const out = new Int32Array(labels.length);
  labels.forEach((label, r) => {
    const k = index.get(label);
    if (k === undefined) {
      throw new InputError(`label "${label}" (data row ${r + 1}) is not one of the known classes: ${listNames(classes)}`, {
        fix: 'every data owner must use the same label values; correct the label or remove the row',
      });
    }
    out[r] = k;
  });
  return out;
}

/**
 * Labels as numbers, for regression. `source` names where they came from in errors,
 * e.g. "data.csv column price".
 *
 * @throws InputError naming the first label that is not a finite number.
 */
export function numericLabels(labels: readonly string[], source: string): Float32Array {
  const out = new Float32Array(labels.length);
  labels.forEach((label, r) => {
    const value = numericValue(label);
    if (value === undefined || Math.abs(value) > FLOAT32_MAX) {
      throw new InputError(`${source} data row ${r + 1}: label "${label}" is not a finite number`, {
        fix: 'a regression label must be a number; fix the value, or use a classification task type',
      });
    }
    out[r] = value;
  });
  return out;
}
