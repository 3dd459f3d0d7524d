/**
 * Model quality (ALGORITHMS.md "Model quality", M-9.5) as pure functions over plain arrays,
 * so every party computes identical numbers whatever tensor backend it runs.
 */
import { type QualityMetrics, ValidationError } from '@fmls/core';

/** Cross-entropy clips probabilities here so a confident wrong answer costs ~16, not Infinity. */
const EPSILON = 1e-7;

/**
 * Quality of a classifier from its predicted probabilities `probs` (n rows of k, row-major)
 * and true class indices `labels` (n).
 * - loss: mean cross-entropy, probabilities clipped to [1e-7, 1].
 * - k = 2: precision and recall of class 1 (the positive class); AUC is the Mann–Whitney
 *   rank statistic of p(class 1), ties sharing their average rank.
 * - k > 2: macro precision and recall over the classes that occur in labels or predictions
 *   (a class never predicted has precision 0, as in scikit-learn); one-vs-rest macro AUC
 *   over the classes present in labels.
 * A ratio with an empty denominator is 0. AUC is left out when it is undefined (labels
 * hold a single class). With n = 0 only `loss: 0, count: 0` is returned.
 */
export function classificationMetrics(probs: Float32Array, labels: Int32Array, k: number): QualityMetrics {
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2) throw new ValidationError(`a classifier needs at least 2 classes (got ${k})`);
  if (probs.length !== n * k) {
    throw new ValidationError(`probabilities have ${probs.length} values but ${n} labels × ${k} classes need ${n * k}`);
  }
  if (n === 0) return { loss: 0, count: 0 };
  const predicted = new Int32Array(n);
  const truePos = new Float64Array(k);
  const predCount = new Float64Array(k);
  const labelCount = new Float64Array(k);
  let lossSum = 0;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= k) {
      throw new ValidationError(`label ${i} is ${label}, outside the classes 0..${k - 1}`);
    }
    const row = i * k;
    let best = 0;
    for (let c = 1; c < k; c++) if (probs[row + c] > probs[row + best]) best = c;
    predicted[i] = best;
    predCount[best]++;
    labelCount[label]++;
    if (best === label) {
      correct++;
      truePos[label]++;
    }
    lossSum -= Math.log(Math.min(1, Math.max(EPSILON, probs[row + label])));
  }
  const metrics: QualityMetrics = { loss: lossSum / n, accuracy: correct / n, precision: 0, recall: 0, count: n };
  let auc: number | undefined;
  if (k === 2) {
    metrics.precision = ratio(truePos[1], predCount[1]);
    metrics.recall = ratio(truePos[1], labelCount[1]);
    auc = rocAuc(probs, labels, 2, 1);
  } else {
    let classes = 0;
    let precisionSum = 0;
    let recallSum = 0;
    let aucSum = 0;
    let aucClasses = 0;
    for (let c = 0; c < k; c++) {
      if (labelCount[c] === 0 && predCount[c] === 0) continue;
      classes++;
      precisionSum += ratio(truePos[c], predCount[c]);
      recallSum += ratio(truePos[c], labelCount[c]);
      const classAuc = labelCount[c] > 0 ? rocAuc(probs, labels, k, c) : undefined;
      if (classAuc !== undefined) {
        aucSum += classAuc;
        aucClasses++;
      }
    }
    metrics.precision = precisionSum / classes;
    metrics.recall = recallSum / classes;
    if (aucClasses > 0) auc = aucSum / aucClasses;
  }
  if (auc !== undefined) metrics.auc = auc;
  return metrics;
}

/** Mean squared error of a regression; loss is the MSE. With n = 0, `loss: 0, count: 0`. */
export function regressionMetrics(pred: Float32Array, y: Float32Array): QualityMetrics {
  if (pred.length !== y.length) throw new ValidationError(`${pred.length} predictions for ${y.length} targets`);
  const n = y.length;
  if (n === 0) return { loss: 0, count: 0 };
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = pred[i] - y[i];
    sum += e * e;
  }
  const mse = sum / n;
  return { loss: mse, mse, count: n };
}

/**
 * One-vs-rest ROC AUC of class `c`: the probability that a random positive scores above a
 * random negative (ties count half), computed from average ranks in O(n log n).
 * Undefined when all labels are, or none is, class c.
 */
function rocAuc(probs: Float32Array, labels: Int32Array, k: number, c: number): number | undefined {
  const n = labels.length;
  const scores = new Float64Array(n);
  for (let i = 0; i < n; i++) scores[i] = probs[i * k + c];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && scores[order[end]] === scores[order[start]]) end++;
    // Ranks start..end-1 (0-based) share their mean, 1-based: (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let j = start; j < end; j++) {
      if (labels[order[j]] === c) {
        positives++;
        positiveRankSum += rank;
      }
    }
    start = end;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return undefined;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

function ratio(numerator: number, denominator: number): number {
  return denominator === 0 ? 0 : numerator / denominator;
}
