import { InputError } from '@fmls/core';
import type { Table } from './csv';
import { distinctClasses, encodeClasses, numericLabels, subset, toDataset } from './dataset';
import { parseDecimal } from './parse-number';

function table(columns: string[], rows: string[][], lines?: number[]): Table {
  return { path: 'data.csv', columns, rows, ...(lines ? { lines } : {}) };
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).fix).toBeTruthy();
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseDecimal', () => {
  it('accepts decimal notation only', () => {
    expect(parseDecimal('3')).toBe(3);
    expect(parseDecimal('-0.5')).toBe(-0.5);
    expect(parseDecimal('+.25')).toBe(0.25);
    expect(parseDecimal('1e-3')).toBe(0.001);
    expect(parseDecimal('7.')).toBe(7);
    for (const text of ['', ' ', '0x1f', '1,5', 'abc', '1e', '--1', '1_000']) expect(parseDecimal(text)).toBeUndefined();
  });
  it('returns non-finite values for inf, nan and overflow', () => {
    expect(parseDecimal('inf')).toBe(Infinity);
    expect(parseDecimal('-Infinity')).toBe(-Infinity);
    expect(parseDecimal('NaN')).toBeNaN();
    expect(parseDecimal('1e999')).toBe(Infinity);
  });
});

describe('toDataset', () => {
  const t = table(
    ['f1', 'y', 'f2', 'f3'],
    [
      ['1', 'a', '2', '3'],
      ['4', 'b', '5.5', '-6'],
    ],
  );

  it('uses every column but the label, in file order, by default', () => {
    const ds = toDataset(t, { label: 'y' });
    expect(ds.features).toEqual(['f1', 'f2', 'f3']);
    expect(ds.label).toBe('y');
    expect([ds.n, ds.d]).toEqual([2, 3]);
    expect(Array.from(ds.x)).toEqual([1, 2, 3, 4, 5.5, -6]);
    expect(ds.labels).toEqual(['a', 'b']);
  });

  it('uses the given features in the given order', () => {
    const ds = toDataset(t, { label: 'y', features: ['f3', 'f1'] });
    expect(ds.features).toEqual(['f3', 'f1']);
    expect(Array.from(ds.x)).toEqual([3, 1, -6, 4]);
  });

  it('rejects an unknown label column, listing the columns', () => {
    const e = inputError(() => toDataset(t, { label: 'target' }));
    expect(e.message).toBe('label column "target" not found in data.csv; columns: f1, y, f2, f3');
    expect(e.fix).toMatch(/--label COLUMN/);
    expect(e.fix).toMatch(/data\.label/);
  });

  it('rejects missing, duplicated or label feature columns', () => {
    expect(inputError(() => toDataset(t, { label: 'y', features: ['f1', 'g', 'h'] })).message).toBe(
      'feature columns "g", "h" not found in data.csv; columns: f1, y, f2, f3',
    );
    expect(inputError(() => toDataset(t, { label: 'y', features: ['f1', 'y'] })).message).toMatch(/also listed as a feature/);
    expect(inputError(() => toDataset(t, { label: 'y', features: ['f1', 'f1'] })).message).toMatch(/"f1" is listed twice/);
    expect(inputError(() => toDataset(table(['y'], [['1']]), { label: 'y' })).message).toMatch(/no feature columns/);
  });

  it('names file, line, column and value of a non-numeric feature', () => {
    const bad = table(['x', 'y'], [['1', 'a'], ['abc', 'b']], [2, 5]);
    expect(inputError(() => toDataset(bad, { label: 'y' })).message).toBe('data.csv line 5, column x: "abc" is not a number');
  });

  it('counts lines from the header as line 1 when the table has no line numbers', () => {
    const bad = table(['x', 'y'], [['1', 'a'], ['0x10', 'b']]);
    expect(inputError(() => toDataset(bad, { label: 'y' })).message).toBe('data.csv line 3, column x: "0x10" is not a number');
  });

  it('rejects empty and non-finite feature cells', () => {
    expect(inputError(() => toDataset(table(['x', 'y'], [['', 'a']]), { label: 'y' })).message).toBe('data.csv line 2, column x is empty');
    for (const value of ['inf', 'NaN', '1e999', '1e39']) {
      expect(inputError(() => toDataset(table(['x', 'y'], [[value, 'a']]), { label: 'y' })).message).toBe(
        `data.csv line 2, column x: "${value}" is not a finite number`,
      );
    }
  });

  it('rejects an empty label cell', () => {
    expect(inputError(() => toDataset(table(['x', 'y'], [['1', 'a'], ['2', '']]), { label: 'y' })).message).toBe(
      'data.csv line 3: label column y is empty',
    );
  });
});

describe('labels', () => {
  it('sorts numeric classes by value, so "2" comes before "10"', () => {
    expect(distinctClasses(['10', '2', '1', '2', '-3', '0.5'])).toEqual(['-3', '0.5', '1', '2', '10']);
  });

  it('sorts other classes lexicographically', () => {
    expect(distinctClasses(['malignant', 'benign', 'malignant'])).toEqual(['benign', 'malignant']);
    expect(distinctClasses(['10', '2', 'x'])).toEqual(['10', '2', 'x']);
  });

  it('encodes labels as indices into the classes', () => {
    expect(Array.from(encodeClasses(['b', 'a', 'b'], ['a', 'b']))).toEqual([1, 0, 1]);
  });

  it('rejects a label outside the classes, naming it and the known classes', () => {
    expect(inputError(() => encodeClasses(['a', 'c'], ['a', 'b'])).message).toBe(
      'label "c" (data row 2) is not one of the known classes: a, b',
    );
  });

  it('parses numeric labels for regression', () => {
    expect(Array.from(numericLabels(['1.5', '-2', '3e2'], 'data.csv column y'))).toEqual([1.5, -2, 300]);
    expect(inputError(() => numericLabels(['1', 'high'], 'data.csv column y')).message).toBe(
      'data.csv column y data row 2: label "high" is not a finite number',
    );
  });
});

describe('subset', () => {
  it('copies the chosen rows in order', () => {
    const ds = toDataset(table(['x1', 'x2', 'y'], [['1', '2', 'a'], ['3', '4', 'b'], ['5', '6', 'c']]), { label: 'y' });
    const s = subset(ds, [2, 0]);
    expect([s.n, s.d]).toEqual([2, 2]);
    expect(Array.from(s.x)).toEqual([5, 6, 1, 2]);
    expect(s.labels).toEqual(['c', 'a']);
    s.x[0] = 99;
    expect(ds.x[4]).toBe(5);
    expect(() => subset(ds, [3])).toThrow(RangeError);
  });
});
