/** Aligned text tables and the cell formats the agent views share. */

/** Strings that come from peers (names, reasons) must not move the cursor or recolour the terminal. */
export function clean(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** `-` stands for "nothing yet" so that an empty cell never shifts a column. */
export function orDash(text: string | null | undefined): string {
  return text === null || text === undefined || text === '' ? '-' : text;
}

/** Seconds precision: milliseconds are noise in a table. */
export function shortTime(iso: string | null): string {
  return iso === null ? '-' : iso.replace(/\.\d{3}Z$/, 'Z');
}

export function fixed(v: number | undefined, digits = 4): string {
  return v === undefined ? '-' : v.toFixed(digits);
}

export interface Column<R> {
  header: string;
  cell: (row: R) => string;
  /** Numbers read best right-aligned. */
  right?: boolean;
}

/** Rows as aligned columns separated by two spaces, one line each, ending with a newline. */
export function formatTable<R>(columns: ReadonlyArray<Column<R>>, rows: readonly R[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => clean(c.cell(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells
    .map((line) => line.map((text, i) => (columns[i].right ? text.padStart(widths[i]) : text.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n')
    .concat('\n');
}

/** `key  value` lines with the keys padded to one width. */
export function formatPairs(pairs: ReadonlyArray<[string, string]>): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${clean(v)}`.trimEnd()).join('\n').concat('\n');
}

/** What every --json prints: one value, indented for people, still one parse for scripts. */
export function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
