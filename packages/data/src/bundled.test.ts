import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '@fmls/core';
import { bundledDatasets, resolveDataset } from './bundled';
import { readCsv } from './csv';
import { distinctClasses, toDataset } from './dataset';

describe('bundled datasets', () => {
  it('lists breast-cancer and digits with existing files', () => {
    const all = bundledDatasets();
    expect(all.map((b) => b.name)).toEqual(['breast-cancer', 'digits']);
    for (const b of all) {
      expect(existsSync(b.path)).toBe(true);
      expect(b.licence).toBe('CC BY 4.0');
    }
  });

  it('loads breast-cancer: 569 × 30, classes benign and malignant', () => {
    const { path, label, bundled } = resolveDataset('breast-cancer');
    expect(label).toBe('diagnosis');
    expect(bundled?.suggestedModel).toEqual({ type: 'logistic-regression' });
    expect(bundled?.type).toBe('tabular-classification');
    const ds = toDataset(readCsv(path), { label });
    expect([ds.n, ds.d]).toEqual([569, 30]);
    expect(ds.n).toBe(bundled?.rows);
    expect(distinctClasses(ds.labels)).toEqual(['benign', 'malignant']);
  });

  it('loads digits: 1797 × 64, ten classes in numeric order', () => {
    const { path, label, bundled } = resolveDataset('digits');
    expect(bundled?.suggestedModel).toEqual({ type: 'mlp', hidden: [64] });
    expect(bundled?.type).toBe('image-classification');
    const ds = toDataset(readCsv(path), { label });
    expect([ds.n, ds.d]).toEqual([1797, 64]);
    expect(ds.features[63]).toBe('p63');
    expect(distinctClasses(ds.labels)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(Math.max(...ds.x)).toBe(16);
  });
});

describe('resolveDataset', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'fmls-bundled-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lets an explicit label override a bundled one', () => {
    expect(resolveDataset('digits', 'p0').label).toBe('p0');
  });

  it('accepts a CSV path with a label', () => {
    const path = join(dir, 'mine.csv');
    writeFileSync(path, 'x,y\n1,a\n');
    expect(resolveDataset(path, 'y')).toEqual({ path, label: 'y' });
  });

  it('requires a label for a path', () => {
    const path = join(dir, 'nolabel.csv');
    writeFileSync(path, 'x,y\n1,a\n');
    let error: unknown;
    try {
      resolveDataset(path);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).fix).toMatch(/--label COLUMN/);
  });

  it('rejects a name that is neither bundled nor a file', () => {
    expect(() => resolveDataset('iris')).toThrow(new InputError('no bundled dataset or file named iris; bundled: breast-cancer, digits'));
    expect(() => resolveDataset(dir, 'y')).toThrow(InputError);
  });
});
