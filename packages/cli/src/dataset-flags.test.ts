import { InputError } from '@fmls/core';
import { collect, parseAgentDatasets, parseDirectDataset } from './dataset-flags';

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

describe('--data flags', () => {
  it('collects repeated values in order', () => {
    expect(collect('b', collect('a', undefined))).toEqual(['a', 'b']);
  });

  describe('with --agent', () => {
    it('reads NAME=PATH pairs, splitting at the first "="', () => {
      expect(parseAgentDatasets(['breast-cancer=./a.csv', 'v2.x_y=/d/b=c.csv'])).toEqual([
        { name: 'breast-cancer', path: './a.csv' },
        { name: 'v2.x_y', path: '/d/b=c.csv' },
      ]);
    });

    it.each([
      ['no dataset', [], /at least one --data NAME=PATH/],
      ['a plain path', ['./a.csv'], /"\.\/a\.csv" is not NAME=PATH/],
      ['an empty path', ['bc='], /"bc=" is not NAME=PATH/],
      ['an empty name', ['=./a.csv'], /dataset name "" must be/],
      ['a name with a space', ['breast cancer=./a.csv'], /dataset name "breast cancer" must be/],
      ['a name with a slash', ['a/b=./a.csv'], /dataset name "a\/b" must be/],
      ['a name given twice', ['bc=./a.csv', 'bc=./b.csv'], /dataset name bc is given twice/],
    ])('refuses %s', (_what, values, message) => {
      expect(inputError(() => parseAgentDatasets(values)).message).toMatch(message);
    });
  });

  describe('without --agent', () => {
    it('takes exactly one plain path', () => {
      expect(parseDirectDataset(['./a.csv'])).toBe('./a.csv');
      expect(parseDirectDataset(['/data/run=1/a.csv'])).toBe('/data/run=1/a.csv');
    });

    it.each([
      ['no path', [], /--data <csv> is required/],
      ['two paths', ['a.csv', 'b.csv'], /given 2 times; with --coordinator give exactly one CSV/],
      ['a named dataset', ['bc=./a.csv'], /names a dataset; that form needs --agent/],
      ['an empty path', [''], /--data is empty/],
    ])('refuses %s', (_what, values, message) => {
      expect(inputError(() => parseDirectDataset(values)).message).toMatch(message);
    });
  });
});
