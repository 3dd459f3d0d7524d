import { ConfigError, type ModelSpec, ModelSpecSchema } from '@fmls/core';
import { selectBackend } from './backend';
import { buildModel, setOutputBias } from './models';
import { tf } from './tf';
import { getFlatWeights, paramCount } from './weights';

const spec = (value: unknown): ModelSpec => ModelSpecSchema.parse(value);
const logistic = spec({ type: 'logistic-regression' });
const linear = spec({ type: 'linear-regression' });
const mlp = spec({ type: 'mlp', hidden: [8, 4], dropout: 0.2, l2: 0.01 });
const cnn = spec({ type: 'cnn', inputShape: [6, 6, 1], filters: [4, 4, 4], dense: [8] });
const tabular = (numFeatures: number, numOutputs: number) => ({ numFeatures, numOutputs, type: 'tabular-classification' as const });

beforeAll(() => selectBackend('auto'));

function outputShapeAndNames(model: tf.LayersModel): { out: unknown; names: string[] } {
  const result = { out: model.outputs[0].shape, names: model.layers.map((l) => l.name) };
  model.dispose();
  return result;
}

describe('buildModel', () => {
  it('builds each model type with the right output shape and explicit layer names', () => {
    expect(outputShapeAndNames(buildModel(logistic, tabular(5, 2), 1))).toEqual({ out: [null, 2], names: ['output'] });
    expect(outputShapeAndNames(buildModel(linear, { numFeatures: 5, numOutputs: 1, type: 'regression' }, 1))).toEqual({
      out: [null, 1],
      names: ['output'],
    });
    expect(outputShapeAndNames(buildModel(mlp, tabular(5, 3), 1))).toEqual({
      out: [null, 3],
      names: ['dense_1', 'dropout_1', 'dense_2', 'dropout_2', 'output'],
    });
    expect(outputShapeAndNames(buildModel(mlp, { numFeatures: 5, numOutputs: 0, type: 'regression' }, 1)).out).toEqual([null, 1]);
    // 6×6 → pool → 3×3 → pool → 1×1; the third convolution runs without pooling.
    expect(outputShapeAndNames(buildModel(cnn, { numFeatures: 36, numOutputs: 10, type: 'image-classification' }, 1))).toEqual({
      out: [null, 10],
      names: ['reshape', 'conv_1', 'pool_1', 'conv_2', 'pool_2', 'conv_3', 'flatten', 'dense_1', 'output'],
    });
  });

  it('has the expected parameter counts', () => {
    const model = buildModel(logistic, tabular(5, 3), 1);
    expect(paramCount(model)).toBe(5 * 3 + 3);
    model.dispose();
    const deep = buildModel(mlp, tabular(5, 3), 1);
    expect(paramCount(deep)).toBe(5 * 8 + 8 + 8 * 4 + 4 + 4 * 3 + 3);
    deep.dispose();
  });

  it('gives identical topology and weights for the same seed, different weights for another', () => {
    for (const [s, shape] of [
      [mlp, tabular(7, 3)],
      [cnn, { numFeatures: 36, numOutputs: 4, type: 'image-classification' as const }],
    ] as const) {
      const a = buildModel(s, shape, 42);
      const b = buildModel(s, shape, 42);
      const c = buildModel(s, shape, 43);
      expect(JSON.stringify(b.toJSON(null, false))).toBe(JSON.stringify(a.toJSON(null, false)));
      expect(getFlatWeights(b)).toEqual(getFlatWeights(a));
      expect(getFlatWeights(c)).not.toEqual(getFlatWeights(a));
      // Kernels are random, biases start at zero.
      expect(getFlatWeights(a).some((v) => v !== 0)).toBe(true);
      for (const m of [a, b, c]) m.dispose();
    }
  });

  it('adds an l2 regulariser to kernels only when l2 > 0', () => {
    const withL2 = buildModel(mlp, tabular(5, 2), 1);
    expect(withL2.getLayer('dense_1').getConfig().kernelRegularizer).toMatchObject({ className: 'L1L2', config: { l2: 0.01 } });
    const without = buildModel(logistic, tabular(5, 2), 1);
    expect(without.getLayer('output').getConfig().kernelRegularizer).toBeNull();
    withL2.dispose();
    without.dispose();
  });

  it('rejects a cnn inputShape that does not hold the features, naming both numbers', () => {
    expect(() => buildModel(cnn, { numFeatures: 64, numOutputs: 10, type: 'image-classification' }, 1)).toThrow(
      new ConfigError('cnn inputShape [6, 6, 1] holds 36 values but the data has 64 features'),
    );
  });

  it('rejects mismatched model and task types and too few classes', () => {
    expect(() => buildModel(logistic, { numFeatures: 3, numOutputs: 1, type: 'regression' }, 1)).toThrow(ConfigError);
    expect(() => buildModel(linear, tabular(3, 2), 1)).toThrow(ConfigError);
    expect(() => buildModel(logistic, tabular(3, 1), 1)).toThrow(/at least 2 classes/);
  });

  it('does not leak tensors', () => {
    const before = tf.memory().numTensors;
    buildModel(cnn, { numFeatures: 36, numOutputs: 3, type: 'image-classification' }, 5).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('setOutputBias', () => {
  it('starts a regression model at the given value', () => {
    const model = buildModel({ type: 'linear-regression', l2: 0 }, { numFeatures: 3, numOutputs: 1, type: 'regression' }, 1);
    setOutputBias(model, 12.5);
    const out = model.predict(tf.zeros([2, 3])) as tf.Tensor;
    expect(Array.from(out.dataSync())).toEqual([12.5, 12.5]);
    out.dispose();
  });
});
