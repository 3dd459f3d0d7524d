import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@fmls/core';
import { describeCsv } from './describe-csv';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fmls-describe-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('describeCsv', () => {
  it('names the columns, tells which are numeric, and counts rows without blank lines', () => {
    const path = file('mixed.csv', 'age,city,score,label\n30,Oslo,1e-3,yes\n41,Bergen,-.5,no\n\n,,,\n');
    expect(describeCsv(path, 'clinic')).toEqual({
      name: 'clinic',
      columns: [
        { name: 'age', numeric: true },
        { name: 'city', numeric: false },
        { name: 'score', numeric: true },
        { name: 'label', numeric: false },
      ],
      rows: 2,
    });
  });

  it('treats a column with one empty, non-finite or float32-overflowing cell as non-numeric', () => {
    const path = file('gaps.csv', 'a,b,c,d\n1,2,3,4\n5,,inf,1e39\n');
    expect(describeCsv(path, 'x').columns.map((c) => c.numeric)).toEqual([true, false, false, false]);
  });

  it('carries no cell values', () => {
    const path = file('secret.csv', 'id,value\n1,top-secret-value\n');
    expect(JSON.stringify(describeCsv(path, 'x'))).not.toContain('top-secret-value');
  });

  it('raises the same InputError as readCsv for a file that cannot be used', () => {
    const missing = join(dir, 'missing.csv');
    expect(() => describeCsv(missing, 'x')).toThrow(InputError);
    expect(() => describeCsv(missing, 'x')).toThrow(/cannot read CSV .*missing\.csv/);
    const headerOnly = file('header.csv', 'a,b\n');
    expect(() => describeCsv(headerOnly, 'x')).toThrow(/has a header but no data rows/);
  });
});
