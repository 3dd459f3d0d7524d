import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@fmls/core';
import { readCsv, writeCsv } from './csv';

let dir: string;
let counter = 0;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(text: string): string {
  const path = join(dir, `t${counter++}.csv`);
  writeFileSync(path, text);
  return path;
}

/** The InputError `fn` throws; fails the test if it throws anything else or nothing. */
function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.fix).toBeTruthy();
    expect(e.message).not.toContain('\n');
    return e;
  }
  throw new Error('expected an InputError');
}

describe('readCsv', () => {
  it('reads header and rows, trimming cells and skipping blank lines', () => {
    const path = file('a, b ,c\n 1 ,2,"x, y"\n\n   \n,,\n3,4,"say ""hi"""\r\n');
    const t = readCsv(path);
    expect(t.path).toBe(path);
    expect(t.columns).toEqual(['a', 'b', 'c']);
    expect(t.rows).toEqual([
      ['1', '2', 'x, y'],
      ['3', '4', 'say "hi"'],
    ]);
    expect(t.lines).toEqual([2, 6]);
  });

  it('ignores a UTF-8 byte-order mark', () => {
    expect(readCsv(file('\ufeffa,b\n1,2\n')).columns).toEqual(['a', 'b']);
  });

  it('reports the starting line of a row after a multi-line quoted cell', () => {
    const path = file('a,b\n1,"two\nlines"\n3\n');
    const e = inputError(() => readCsv(path));
    expect(e.message).toBe(`CSV ${path} line 4 has 1 fields, header has 2`);
  });

  it('counts lines correctly with CRLF endings, also inside quoted cells', () => {
    const path = file('a,b\r\n1,"x\r\ny"\r\n\r\n3\r\n');
    expect(inputError(() => readCsv(path)).message).toBe(`CSV ${path} line 5 has 1 fields, header has 2`);
  });

  it('reports a missing file with its errno code', () => {
    const path = join(dir, 'nope.csv');
    const e = inputError(() => readCsv(path));
    expect(e.message).toBe(`cannot read CSV ${path}: ENOENT`);
    expect(e.fix).toMatch(/check the path/);
  });

  it('reports a directory as unreadable', () => {
    expect(inputError(() => readCsv(dir)).message).toBe(`cannot read CSV ${dir}: EISDIR`);
  });

  if (process.getuid?.() !== 0) {
    it('reports an unreadable file', () => {
      const path = file('a\n1\n');
      chmodSync(path, 0o000);
      expect(inputError(() => readCsv(path)).message).toBe(`cannot read CSV ${path}: EACCES`);
    });
  }

  it('rejects an empty file', () => {
    const path = file('');
    expect(inputError(() => readCsv(path)).message).toBe(`CSV ${path} is empty`);
    expect(inputError(() => readCsv(file('\n\n  \n'))).message).toMatch(/is empty$/);
  });

  it('rejects a header without data rows', () => {
    const path = file('a,b\n\n,\n');
    expect(inputError(() => readCsv(path)).message).toBe(`CSV ${path} has a header but no data rows`);
  });

  it('wraps csv-parse errors with the line number', () => {
    const unclosed = file('a,b\n1,2\n3,"4\n5,6\n');
    const e = inputError(() => readCsv(unclosed));
    expect(e.message).toMatch(new RegExp(`^malformed CSV ${unclosed} line \\d+: Quote Not Closed \\(CSV_QUOTE_NOT_CLOSED\\)$`));
    expect(e.cause).toBeDefined();
    const badQuote = file('a,b\n1,2\n3,"4"x\n');
    expect(inputError(() => readCsv(badQuote)).message).toBe(
      `malformed CSV ${badQuote} line 3: Invalid Closing Quote (CSV_INVALID_CLOSING_QUOTE)`,
    );
  });

  it('rejects ragged rows, naming the line and both counts', () => {
    const path = file('a,b,c\n1,2,3\n\n4,5\n');
    expect(inputError(() => readCsv(path)).message).toBe(`CSV ${path} line 4 has 2 fields, header has 3`);
    const long = file('a,b\n1,2,3\n');
    expect(inputError(() => readCsv(long)).message).toBe(`CSV ${long} line 2 has 3 fields, header has 2`);
  });

  it('rejects duplicate column names', () => {
    const path = file('a,b,a\n1,2,3\n');
    expect(inputError(() => readCsv(path)).message).toBe(`CSV ${path} line 1: column name "a" appears twice (columns 1 and 3)`);
  });

  it('rejects empty column names', () => {
    const path = file('a, ,c\n1,2,3\n');
    expect(inputError(() => readCsv(path)).message).toBe(`CSV ${path} line 1: column 2 has an empty name`);
  });
});

describe('writeCsv', () => {
  it('quotes cells that need it, creates the directory, and round-trips through readCsv', () => {
    const path = join(dir, 'nested', 'deeper', 'out.csv');
    const rows = [
      ['1', 'plain', 'a,b'],
      ['2', 'say "hi"', 'two\nlines'],
      ['3', ' padded ', ''],
    ];
    writeCsv(path, ['id', 'text', 'note'], rows);
    expect(readFileSync(path, 'utf8')).toBe('id,text,note\n1,plain,"a,b"\n2,"say ""hi""","two\nlines"\n3," padded ",\n');
    const back = readCsv(path);
    expect(back.columns).toEqual(['id', 'text', 'note']);
    expect(back.rows).toEqual(rows);
  });

  it('rejects a row of the wrong width', () => {
    expect(() => writeCsv(join(dir, 'bad.csv'), ['a', 'b'], [['1']])).toThrow(RangeError);
  });

  it('wraps a write failure in an InputError', () => {
    const blocker = file('not a directory');
    const path = join(blocker, 'out.csv');
    expect(inputError(() => writeCsv(path, ['a'], [['1']])).message).toMatch(new RegExp(`^cannot write CSV ${path}: E`));
  });
});
