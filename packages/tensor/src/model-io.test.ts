import { mkdtemp, readFile, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, IntegrityError } from '@fmls/core';
import { selectBackend } from './backend';
import { loadModel, modelArtifacts, saveModel } from './model-io';
import { buildModel } from './models';
import { tf } from './tf';
import { predict } from './train';
import { getFlatWeights } from './weights';

let root: string;
const shape = { numFeatures: 5, numOutputs: 3, type: 'tabular-classification' as const };
const x = Float32Array.from({ length: 4 * 5 }, (_, i) => Math.sin(i));

beforeAll(async () => {
  await selectBackend('auto');
  root = await mkdtemp(join(tmpdir(), 'fmls-tensor-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('saveModel / loadModel', () => {
  it('writes a TensorFlow.js LayersModel that loads with identical predictions', async () => {
    const model = buildModel({ type: 'mlp', hidden: [6, 4], activation: 'tanh', dropout: 0.1, l2: 0.01 }, shape, 11);
    const dir = join(root, 'nested', 'model');
    const saved = await saveModel(model, dir);
    expect(saved.files).toEqual([join(dir, 'model.json'), join(dir, 'weights.bin')]);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8'));
    expect(json).toMatchObject({ format: 'layers-model', convertedBy: null, generatedBy: expect.stringContaining('TensorFlow.js') });
    expect(json.modelTopology.config.layers.map((l: { config: { name: string } }) => l.config.name)).toEqual([
      'dense_1',
      'dropout_1',
      'dense_2',
      'dropout_2',
      'output',
    ]);
    expect(json.weightsManifest).toHaveLength(1);
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toEqual([
      'dense_1/kernel',
      'dense_1/bias',
      'dense_2/kernel',
      'dense_2/bias',
      'output/kernel',
      'output/bias',
    ]);
    const weightsBytes = (await readFile(join(dir, 'weights.bin'))).length;
    expect(weightsBytes).toBe(getFlatWeights(model).length * 4);
    expect(saved.bytes).toBe(weightsBytes + (await readFile(join(dir, 'model.json'))).length);

    const loaded = await loadModel(dir);
    expect(getFlatWeights(loaded)).toEqual(getFlatWeights(model));
    expect(predict(loaded, x, 4, 5)).toEqual(predict(model, x, 4, 5));
    // Saving again overwrites in place and leaves no temporary files.
    await saveModel(loaded, dir);
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
    model.dispose();
    loaded.dispose();
  });

  it('round-trips a cnn', async () => {
    const cnnShape = { numFeatures: 16, numOutputs: 2, type: 'image-classification' as const };
    const model = buildModel({ type: 'cnn', inputShape: [4, 4, 1], filters: [2], kernelSize: 3, dense: [3], dropout: 0, l2: 0 }, cnnShape, 3);
    const dir = join(root, 'cnn');
    await saveModel(model, dir);
    const loaded = await loadModel(dir);
    const input = Float32Array.from({ length: 32 }, (_, i) => Math.cos(i));
    expect(predict(loaded, input, 2, 16)).toEqual(predict(model, input, 2, 16));
    model.dispose();
    loaded.dispose();
  });

  it('gives InputError for a missing or corrupt model', async () => {
    const missing = await loadModel(join(root, 'absent')).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(InputError);
    expect((missing as InputError).message).toBe(`cannot read ${join(root, 'absent', 'model.json')}: ENOENT`);

    const model = buildModel({ type: 'logistic-regression', l2: 0 }, shape, 1);
    const dir = join(root, 'corrupt');
    await saveModel(model, dir);
    model.dispose();
    const prefix = `${join(dir, 'model.json')} is not a TensorFlow.js LayersModel: `;

    await truncate(join(dir, 'weights.bin'), 10);
    await expect(loadModel(dir)).rejects.toThrow(`${prefix}weights have 10 bytes but the manifest needs 72`);

    await writeFile(join(dir, 'model.json'), '{"modelTopology": ');
    const err = await loadModel(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}invalid JSON`));
    expect((err as InputError).fix).toBeTruthy();

    await writeFile(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: {}, weightsManifest: [] }));
    await expect(loadModel(dir)).rejects.toThrow(/format is "graph-model"/);

    await writeFile(join(dir, 'model.json'), JSON.stringify({ modelTopology: { nonsense: true }, weightsManifest: [] }));
    await expect(loadModel(dir)).rejects.toThrow(InputError);

    await writeFile(join(dir, 'model.json'), JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['../x'], weights: [] }] }));
    await expect(loadModel(dir)).rejects.toThrow(/is not a plain file name/);
    expect(tf.memory().numTensors).toBe(0);
  });
});

describe('saveModel errors', () => {
  it('gives InputError when the directory cannot be written', async () => {
    const blocker = join(root, 'a-file');
    await writeFile(blocker, 'not a directory');
    const model = buildModel({ type: 'logistic-regression', l2: 0 }, shape, 1);
    const err = await saveModel(model, join(blocker, 'model')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(`cannot write the model to ${join(blocker, 'model')}: ENOTDIR`);
    model.dispose();
  });
});

describe('modelArtifacts / loadModel with a reader', () => {
  it('gives the bytes saveModel writes, and loads them back through a custom reader', async () => {
    const model = buildModel({ type: 'logistic-regression', l2: 0 }, shape, 3);
    const { modelJson, weights } = await modelArtifacts(model);
    const dir = join(root, 'artifacts');
    await saveModel(model, dir);
    expect(modelJson.equals(await readFile(join(dir, 'model.json')))).toBe(true);
    expect(Buffer.from(weights).equals(await readFile(join(dir, 'weights.bin')))).toBe(true);
    // The reader is the only source: nothing at these paths exists.
    const files = new Map([[join(root, 'virtual', 'model.json'), modelJson], [join(root, 'virtual', 'weights.bin'), weights]]);
    const loaded = await loadModel(join(root, 'virtual'), { readFile: (p) => files.get(p) ?? Buffer.alloc(0) });
    expect(predict(loaded, x, 4, 5)).toEqual(predict(model, x, 4, 5));
    // The reader's own typed errors (a failed integrity check, say) pass through unchanged.
    const refused = new IntegrityError('weights.bin failed its integrity check');
    const err = await loadModel(dir, { readFile: (p) => (p.endsWith('weights.bin') ? Promise.reject(refused) : readFile(p)) }).catch((e: unknown) => e);
    expect(err).toBe(refused);
    model.dispose();
    loaded.dispose();
  });
});
