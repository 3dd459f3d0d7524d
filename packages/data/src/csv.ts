/**
 * Reading and writing the CSV files data owners train on. Every problem with a file
 * becomes an InputError naming the file and line, because the person who sees it is
 * usually holding the file in a spreadsheet and needs to know where to look.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { CsvError, parse } from 'csv-parse/sync';
import { InputError } from '@fmls/core';

/** A parsed CSV file: a header and string cells, trimmed. */
export interface Table {
  /** The file it came from, for error messages. */
  path: string;
  /** Header names in file order; unique and non-empty. */
  columns: string[];
  /** Data rows; each has exactly `columns.length` cells. */
  rows: string[][];
  /**
   * CSV line number (header = line 1) where each row starts, parallel to `rows`.
   * Optional so tables can be built in code; when absent, row i is taken to be on line i + 2.
   */
  lines?: number[];
}

/** The CSV line (header = line 1) of data row `index` of `table`. */
export function lineOf(table: Table, index: number): number {
  return table.lines?.[index] ?? index + 2;
}

function errnoCode(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code ?? (err instanceof Error ? err.message : String(err));
}

/**
 * Tracks the line on which each record starts. csv-parse's own `lines` counts where a
 * record ends and miscounts CRLF inside quoted cells, so lines are counted here from the
 * byte offsets it reports: a record starts at the first non-blank byte after the previous one.
 */
function lineTracker(buffer: Buffer): (recordEnd: number) => number {
  let pos = 0;
  let line = 1;
  let previousEnd = 0;
  return (recordEnd) => {
    let start = previousEnd;
    // Blank lines were skipped by csv-parse; a record's leading spaces are trimmed.
    while (start < recordEnd && [0x20, 0x09, 0x0a, 0x0d].includes(buffer[start] ?? 0)) start++;
    for (; pos < start; pos++) {
      const byte = buffer[pos];
      if (byte === 0x0a || (byte === 0x0d && buffer[pos + 1] !== 0x0a)) line++;
    }
    previousEnd = recordEnd;
    return line;
  };
}

function parseRecords(path: string, buffer: Buffer): { records: string[][]; lines: number[] } {
  const lines: number[] = [];
  const startLine = lineTracker(buffer);
  try {
    const records = parse(buffer, {
      trim: true,
      bom: true,
      skip_empty_lines: true,
      // Ragged rows are reported by readCsv with both counts, clearer than csv-parse's message.
      relax_column_count: true,
      on_record: (record: string[], context) => {
        lines.push(startLine(context.bytes));
        return record;
      },
    });
    return { records, lines };
  } catch (err) {
    if (err instanceof CsvError) {
      const line = typeof err.lines === 'number' ? err.lines : undefined;
      const reason = err.message.split(':')[0];
      throw new InputError(`malformed CSV ${path}${line === undefined ? '' : ` line ${line}`}: ${reason} (${err.code})`, {
        fix: 'fix the quoting on that line: a quoted cell starts and ends with " and a " inside it is written ""',
        cause: err,
      });
    }
    throw new InputError(`cannot parse CSV ${path}: ${errnoCode(err)}`, {
      fix: 'check that the file is a comma-separated text file',
      cause: err,
    });
  }
}

function checkHeader(path: string, columns: string[]): void {
  const seen = new Map<string, number>();
  columns.forEach((name, i) => {
    if (name === '') {
      throw new InputError(`CSV ${path} line 1: column ${i + 1} has an empty name`, {
        fix: 'give every column a name in the header row',
      });
    }
    const first = seen.get(name);
    if (first !== undefined) {
      throw new InputError(`CSV ${path} line 1: column name "${name}" appears twice (columns ${first + 1} and ${i + 1})`, {
        fix: 'rename one of the columns so every header name is unique',
      });
    }
    seen.set(name, i);
  });
}

/** True when every cell is empty: a spreadsheet's trailing ",,," line, skipped like a blank line. */
function isBlank(record: string[]): boolean {
  return record.every((cell) => cell === '');
}

/**
 * Reads a CSV file with a header row. Cells are trimmed; blank lines (and lines whose
 * cells are all empty) are skipped; a UTF-8 byte-order mark is ignored.
 *
 * @throws InputError when the file cannot be read, is empty, has no data rows, is
 * malformed, has a row with the wrong number of cells, or has an empty or duplicate
 * column name.
 */
export function readCsv(path: string): Table {
  let buffer: Buffer;
  try {
    buffer = readFileSync(path);
  } catch (err) {
    throw new InputError(`cannot read CSV ${path}: ${errnoCode(err)}`, {
      fix: 'check the path and that the file is readable',
      cause: err,
    });
  }
  const parsed = parseRecords(path, buffer);
  const columns = parsed.records[0];
  if (columns === undefined) {
    throw new InputError(`CSV ${path} is empty`, {
      fix: 'the file needs a header row naming the columns, then one row per example',
    });
  }
  checkHeader(path, columns);
  const body = parsed.records
    .map((record, i) => ({ record, line: parsed.lines[i] ?? i + 1 }))
    .slice(1)
    .filter(({ record }) => !isBlank(record));
  if (body.length === 0) {
    throw new InputError(`CSV ${path} has a header but no data rows`, {
      fix: 'add at least one row of data below the header',
    });
  }
  for (const { record, line } of body) {
    if (record.length !== columns.length) {
      throw new InputError(`CSV ${path} line ${line} has ${record.length} fields, header has ${columns.length}`, {
        fix: 'make every row have one cell per header column (quote cells that contain commas)',
      });
    }
  }
  return { path, columns, rows: body.map((r) => r.record), lines: body.map((r) => r.line) };
}

/** Quotes a cell when reading it back would otherwise change it. */
function quoteCell(cell: string): string {
  // Leading/trailing spaces are quoted too because readCsv trims unquoted cells.
  if (/[",\r\n]/.test(cell) || cell !== cell.trim()) return `"${cell.replace(/"/g, '""')}"`;
  return cell;
}

/**
 * Writes a CSV file with a header row, creating its directory. Cells containing a comma,
 * quote, newline or surrounding whitespace are quoted, so readCsv reads back the same cells.
 * The file is written beside its destination and renamed, so a reader never sees half of it.
 *
 * @throws RangeError when a row has a different number of cells than `columns` (a bug in the caller).
 * @throws InputError when the directory or file cannot be written.
 */
export function writeCsv(path: string, columns: string[], rows: string[][]): void {
  rows.forEach((row, i) => {
    if (row.length !== columns.length) {
      throw new RangeError(`writeCsv ${path}: row ${i} has ${row.length} cells, expected ${columns.length}`);
    }
  });
  const text = [columns, ...rows].map((row) => row.map(quoteCell).join(',')).join('\n') + '\n';
  const temp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(temp, text, 'utf8');
    renameSync(temp, path);
  } catch (err) {
    try {
      rmSync(temp, { force: true });
    } catch {
      // The write already failed; that error is the one worth reporting.
    }
    throw new InputError(`cannot write CSV ${path}: ${errnoCode(err)}`, {
      fix: 'check that the directory exists or can be created and is writable',
      cause: err,
    });
  }
}
