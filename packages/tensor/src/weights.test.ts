import { ValidationError } from '@fmls/core';
import { selectBackend } from './backend';
import { buildModel } from './models';
import { tf } from './tf';
import { getFlatWeights, paramCount, setFlatWeights } from './weights';

const shape = { numFeatures: 4, numOutputs: 3, type: 'tabular-classification' as const };
let model: tf.LayersModel;

beforeAll(async () => {
  await selectBackend('auto');
  model = buildModel({ type: 'mlp', hidden: [5], activation: 'relu', dropout: 0, l2: 0 }, shape, 7);
});
afterAll(() => model.dispose());

describe('flat weights', () => {
  it('lays out model.getWeights() in order', () => {
    expect(paramCount(model)).toBe(4 * 5 + 5 + 5 * 3 + 3);
    const flat = getFlatWeights(model);
    expect(flat).toHaveLength(paramCount(model));
    const kernel = model.getLayer('dense_1').getWeights()[0].dataSync();
    expect(flat.subarray(0, 20)).toEqual(kernel);
    const outBias = model.getLayer('output').getWeights()[1].dataSync();
    expect(flat.subarray(flat.length - 3)).toEqual(outBias);
  });

  it('round-trips through setFlatWeights, keeping its own copy', () => {
    const flat = Float32Array.from({ length: paramCount(model) }, (_, i) => (i - 20) / 64);
    setFlatWeights(model, flat);
    const expected = flat.slice();
    flat.fill(9);
    expect(getFlatWeights(model)).toEqual(expected);
    expect(model.getLayer('output').getWeights()[0].shape).toEqual([5, 3]);
  });

  it('rejects a vector of the wrong length, naming both lengths', () => {
    expect(() => setFlatWeights(model, new Float32Array(10))).toThrow(
      new ValidationError(`weight vector has 10 values but the model has ${paramCount(model)} parameters`),
    );
    expect(() => setFlatWeights(model, new Float32Array(10))).toThrow(ValidationError);
  });

  it('rejects non-finite values', () => {
    const flat = new Float32Array(paramCount(model));
    flat[3] = Number.NaN;
    expect(() => setFlatWeights(model, flat)).toThrow(/value 3 is NaN/);
  });

  it('does not grow tensor memory across many calls', () => {
    const flat = getFlatWeights(model);
    const before = tf.memory();
    for (let i = 0; i < 50; i++) setFlatWeights(model, getFlatWeights(model));
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(getFlatWeights(model)).toEqual(flat);
  });
});
