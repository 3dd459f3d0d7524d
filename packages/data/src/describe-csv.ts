/**
 * Dataset metadata (M-10.1): what a data owner may tell the agent about a CSV it offers,
 * so tasks can be matched to data without any row leaving the node.
 */
import { readCsv } from './csv';
import { FLOAT32_MAX, parseDecimal } from './parse-number';

/** One column of an offered dataset. */
export interface ColumnDescription {
  name: string;
  /** True when every cell could be a feature: a finite number that fits a float32. */
  numeric: boolean;
}

/** Metadata of an offered dataset: names and counts, never values. */
export interface DatasetDescription {
  name: string;
  /** In file order. */
  columns: ColumnDescription[];
  /** Data rows (blank lines excluded). */
  rows: number;
}

/**
 * Reads and checks the CSV at `path` as training would, and describes it under `name`.
 * "Numeric" uses the same rule as the feature parser, so a column described as numeric
 * never fails later as a feature.
 *
 * @throws InputError exactly as {@link readCsv} does for a file that cannot be used.
 */
export function describeCsv(path: string, name: string): DatasetDescription {
  const table = readCsv(path);
  const columns = table.columns.map((column, c) => ({
    name: column,
    numeric: table.rows.every((row) => {
      const value = parseDecimal(row[c] ?? '');
      return value !== undefined && Number.isFinite(value) && Math.abs(value) <= FLOAT32_MAX;
    }),
  }));
  return { name, columns, rows: table.rows.length };
}
