import { classificationMetrics, regressionMetrics } from './metrics';

/** Rows of class probabilities → flat Float32Array. */
const rows = (r: number[][]): Float32Array => Float32Array.from(r.flat());
const binary = (p1: number[]): Float32Array => rows(p1.map((p) => [1 - p, p]));

describe('classificationMetrics, binary', () => {
  // p(class 1) and labels; ties at 0.8 (pos vs neg) and 0.4 (neg vs pos).
  const p1 = [0.9, 0.8, 0.8, 0.4, 0.4, 0.1];
  const labels = Int32Array.from([1, 1, 0, 0, 1, 0]);
  const m = classificationMetrics(binary(p1), labels, 2);

  it('computes accuracy, precision and recall of class 1', () => {
    // Predicted 1 for rows 0..2: tp = 2 (rows 0, 1), fp = 1 (row 2), fn = 1 (row 4).
    expect(m.count).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    expect(m.precision).toBeCloseTo(2 / 3, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
  });

  it('computes AUC as the Mann–Whitney statistic with ties counted half', () => {
    // Positive 0.9 beats all 3 negatives; 0.8 ties one, beats two (2.5); 0.4 loses one, ties one, beats one (1.5).
    expect(m.auc).toBeCloseTo(7 / 9, 12);
  });

  it('computes mean cross-entropy', () => {
    const pTrue = [0.9, 0.8, 0.2, 0.6, 0.4, 0.9];
    const expected = -pTrue.reduce((s, p) => s + Math.log(p), 0) / 6;
    expect(m.loss).toBeCloseTo(expected, 6);
  });

  it('clips probabilities at 1e-7', () => {
    const clipped = classificationMetrics(binary([0, 1]), Int32Array.from([1, 1]), 2);
    expect(clipped.loss).toBeCloseTo(-Math.log(1e-7) / 2, 6);
  });

  it('leaves AUC out when only one class is present, and handles no rows', () => {
    const one = classificationMetrics(binary([0.2, 0.7]), Int32Array.from([0, 0]), 2);
    expect(one.auc).toBeUndefined();
    expect(one.precision).toBe(0);
    expect(one.recall).toBe(0);
    expect(classificationMetrics(new Float32Array(0), new Int32Array(0), 2)).toEqual({ loss: 0, count: 0 });
  });

  it('rejects mismatched sizes and labels out of range', () => {
    expect(() => classificationMetrics(new Float32Array(5), Int32Array.from([0, 1]), 2)).toThrow(/5 values but 2 labels × 2 classes need 4/);
    expect(() => classificationMetrics(binary([0.5]), Int32Array.from([2]), 2)).toThrow(/outside the classes 0..1/);
  });
});

describe('classificationMetrics, 3 classes', () => {
  const probs = rows([
    [0.7, 0.2, 0.1], // label 0, predicted 0
    [0.3, 0.6, 0.1], // label 0, predicted 1
    [0.2, 0.5, 0.3], // label 1, predicted 1
    [0.1, 0.8, 0.1], // label 1, predicted 1
    [0.5, 0.2, 0.3], // label 2, predicted 0
    [0.2, 0.3, 0.5], // label 2, predicted 2
  ]);
  const labels = Int32Array.from([0, 0, 1, 1, 2, 2]);
  const m = classificationMetrics(probs, labels, 3);

  it('computes macro precision and recall', () => {
    expect(m.accuracy).toBeCloseTo(4 / 6, 12);
    // precision: class 0 1/2, class 1 2/3, class 2 1/1; recall: 1/2, 2/2, 1/2.
    expect(m.precision).toBeCloseTo((1 / 2 + 2 / 3 + 1) / 3, 12);
    expect(m.recall).toBeCloseTo((1 / 2 + 1 + 1 / 2) / 3, 12);
  });

  it('computes one-vs-rest macro AUC', () => {
    // class 0: 7/8; class 1: 7/8; class 2: 7.5/8 (its 0.3 ties a negative 0.3).
    expect(m.auc).toBeCloseTo((7 / 8 + 7 / 8 + 7.5 / 8) / 3, 12);
  });

  it('gives a class never predicted precision 0', () => {
    const allZero = classificationMetrics(rows([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.4, 0.3, 0.3]]), Int32Array.from([0, 1, 2]), 3);
    expect(allZero.precision).toBeCloseTo(1 / 9, 12);
    expect(allZero.recall).toBeCloseTo(1 / 3, 12);
  });

  it('averages only over classes seen in labels or predictions', () => {
    // Class 2 neither occurs nor is predicted: two classes, both perfect.
    const twoOfThree = classificationMetrics(rows([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1]]), Int32Array.from([0, 1]), 3);
    expect(twoOfThree).toEqual({ loss: expect.any(Number), accuracy: 1, precision: 1, recall: 1, auc: 1, count: 2 });
  });
});

describe('regressionMetrics', () => {
  it('computes MSE as the loss', () => {
    const m = regressionMetrics(Float32Array.from([1, 2, 3]), Float32Array.from([1, 0, 5]));
    expect(m).toEqual({ loss: 8 / 3, mse: 8 / 3, count: 3 });
  });

  it('handles no rows and rejects mismatched lengths', () => {
    expect(regressionMetrics(new Float32Array(0), new Float32Array(0))).toEqual({ loss: 0, count: 0 });
    expect(() => regressionMetrics(new Float32Array(2), new Float32Array(3))).toThrow(/2 predictions for 3 targets/);
  });
});
