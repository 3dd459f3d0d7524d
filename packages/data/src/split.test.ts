import { InputError } from '@fmls/core';
import { trainTestSplit } from './split';

function expectDisjointCover(split: { train: number[]; test: number[] }, n: number): void {
  expect([...split.train, ...split.test].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('trainTestSplit', () => {
  it('holds out round(n * fraction) rows, deterministically per seed', () => {
    const split = trainTestSplit(100, 0.25, 1);
    expect(split.test).toHaveLength(25);
    expect(split.train).toHaveLength(75);
    expectDisjointCover(split, 100);
    expect(trainTestSplit(100, 0.25, 1)).toEqual(split);
    expect(trainTestSplit(100, 0.25, 2)).not.toEqual(split);
  });

  it('stratifies by label', () => {
    // 80 'a', 20 'b': a 25% test split takes 20 'a' and 5 'b'.
    const labels = Array.from({ length: 100 }, (_, i) => (i % 5 === 0 ? 'b' : 'a'));
    const split = trainTestSplit(100, 0.25, 7, labels);
    expectDisjointCover(split, 100);
    const testLabels = split.test.map((i) => labels[i]);
    expect(testLabels.filter((l) => l === 'b')).toHaveLength(5);
    expect(testLabels.filter((l) => l === 'a')).toHaveLength(20);
  });

  it('keeps class shares close when they do not divide evenly', () => {
    const labels = [...Array<string>(7).fill('x'), ...Array<string>(5).fill('y'), ...Array<string>(3).fill('z')];
    const split = trainTestSplit(labels.length, 0.4, 3, labels);
    expect(split.test).toHaveLength(6);
    const count = (l: string): number => split.test.filter((i) => labels[i] === l).length;
    expect([count('x'), count('y'), count('z')]).toEqual([3, 2, 1]);
  });

  it('never leaves a side empty', () => {
    expect(trainTestSplit(2, 0.01, 0).test).toHaveLength(1);
    expect(trainTestSplit(2, 0.99, 0).train).toHaveLength(1);
    expect(trainTestSplit(3, 0.9, 0, ['a', 'a', 'b']).train).toHaveLength(1);
  });

  it('rejects bad fractions, too few rows and mismatched labels', () => {
    for (const f of [0, 1, -0.1, 1.5, Number.NaN]) expect(() => trainTestSplit(10, f, 0)).toThrow(InputError);
    expect(() => trainTestSplit(1, 0.5, 0)).toThrow(InputError);
    expect(() => trainTestSplit(3, 0.5, 0, ['a'])).toThrow(InputError);
  });
});
