/**
 * Builds the models a task file can name. Every party (coordinator, data owners, auditor)
 * builds the same spec independently and exchanges only flat weight vectors, so layer
 * names, layer order and initial weights must depend on nothing but (spec, shape, seed).
 */
import { ConfigError, type ModelSpec, type TaskType, isClassification } from '@fmls/core';
import { tf } from './tf';

/** The data-dependent dimensions of a model. */
export interface ModelShape {
  /** Length of the flat input vector. */
  numFeatures: number;
  /** Number of classes (classification); ignored for regression, which has one output. */
  numOutputs: number;
  type: TaskType;
}

type Seeds = () => number;
type Activation = 'relu' | 'tanh' | 'sigmoid';

/**
 * Builds an untrained model whose input is a flat [numFeatures] vector and whose output is
 * softmax over numOutputs classes (classification) or one linear unit (regression).
 * The same (spec, shape, seed) gives the same layer names and initial weights in any process.
 */
export function buildModel(spec: ModelSpec, shape: ModelShape, seed: number): tf.LayersModel {
  checkShape(spec, shape);
  const seeds = seedSequence(seed);
  // Named explicitly: tfjs would otherwise number models and layers per process
  // ("dense_Dense3", "sequential_2"), and two parties' topologies would differ.
  const model = tf.sequential({ name: `fmls_${spec.type.replace('-', '_')}` });
  const input = [shape.numFeatures];
  switch (spec.type) {
    case 'logistic-regression':
    case 'linear-regression':
      addOutput(model, shape, seeds, spec.l2, input);
      break;
    case 'mlp':
      // Dropout stays unseeded on purpose: tfjs would draw the same mask for every batch.
      spec.hidden.forEach((units, i) => {
        addDense(model, `dense_${i + 1}`, units, spec.activation, spec.l2, seeds, i === 0 ? input : undefined);
        if (spec.dropout > 0) model.add(tf.layers.dropout({ name: `dropout_${i + 1}`, rate: spec.dropout }));
      });
      addOutput(model, shape, seeds, spec.l2);
      break;
    case 'cnn':
      addConvolutions(model, spec, seeds, input);
      spec.dense.forEach((units, i) => {
        addDense(model, `dense_${i + 1}`, units, 'relu', spec.l2, seeds);
        if (spec.dropout > 0) model.add(tf.layers.dropout({ name: `dropout_${i + 1}`, rate: spec.dropout }));
      });
      addOutput(model, shape, seeds, spec.l2);
      break;
  }
  return model;
}

type CnnSpec = Extract<ModelSpec, { type: 'cnn' }>;

/** conv + 2×2 max-pool blocks; pooling stops once a side is below 2, the remaining convolutions still run. */
function addConvolutions(model: tf.Sequential, spec: CnnSpec, seeds: Seeds, input: number[]): void {
  let [height, width] = spec.inputShape;
  model.add(tf.layers.reshape({ name: 'reshape', targetShape: spec.inputShape, inputShape: input }));
  spec.filters.forEach((filters, i) => {
    model.add(
      tf.layers.conv2d({
        name: `conv_${i + 1}`,
        filters,
        kernelSize: spec.kernelSize,
        activation: 'relu',
        padding: 'same',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seeds() }),
        kernelRegularizer: l2(spec.l2),
      }),
    );
    if (height >= 2 && width >= 2) {
      model.add(tf.layers.maxPooling2d({ name: `pool_${i + 1}`, poolSize: 2 }));
      height = Math.floor(height / 2);
      width = Math.floor(width / 2);
    }
  });
  model.add(tf.layers.flatten({ name: 'flatten' }));
}

function addDense(model: tf.Sequential, name: string, units: number, activation: Activation | 'softmax' | 'linear', l2Value: number, seeds: Seeds, inputShape?: number[]): void {
  model.add(
    tf.layers.dense({
      name,
      units,
      activation,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seeds() }),
      kernelRegularizer: l2(l2Value),
      ...(inputShape ? { inputShape } : {}),
    }),
  );
}

function addOutput(model: tf.Sequential, shape: ModelShape, seeds: Seeds, l2Value: number, inputShape?: number[]): void {
  if (isClassification(shape.type)) addDense(model, 'output', shape.numOutputs, 'softmax', l2Value, seeds, inputShape);
  else addDense(model, 'output', 1, 'linear', l2Value, seeds, inputShape);
}

function l2(value: number): ReturnType<typeof tf.regularizers.l2> | undefined {
  return value > 0 ? tf.regularizers.l2({ l2: value }) : undefined;
}

/**
 * Seeds for successive layers, mixed (splitmix-style) so that task seed s and s+1 do not
 * share layers shifted by one.
 */
function seedSequence(seed: number): Seeds {
  let i = 0;
  return () => {
    let h = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(++i, 0x85ebca6b)) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
    return (h ^ (h >>> 15)) >>> 0;
  };
}

function checkShape(spec: ModelSpec, shape: ModelShape): void {
  const fix = 'check the task file model section against the data set';
  if (!Number.isInteger(shape.numFeatures) || shape.numFeatures < 1) {
    throw new ConfigError(`the model needs at least one input feature (got ${shape.numFeatures})`, { fix });
  }
  const classifier = isClassification(shape.type);
  if (classifier && (!Number.isInteger(shape.numOutputs) || shape.numOutputs < 2)) {
    throw new ConfigError(`${shape.type} needs at least 2 classes (got ${shape.numOutputs})`, {
      fix: 'the label column must hold at least two distinct values',
    });
  }
  if (spec.type === 'logistic-regression' && !classifier) {
    throw new ConfigError('logistic-regression is a classifier and cannot be used for regression', { fix: 'use linear-regression or mlp' });
  }
  if (spec.type === 'linear-regression' && classifier) {
    throw new ConfigError(`linear-regression needs type: regression (type is ${shape.type})`, { fix: 'use logistic-regression or mlp' });
  }
  if (spec.type === 'cnn') {
    const product = spec.inputShape.reduce((a, b) => a * b, 1);
    if (product !== shape.numFeatures) {
      throw new ConfigError(
        `cnn inputShape [${spec.inputShape.join(', ')}] holds ${product} values but the data has ${shape.numFeatures} features`,
        { fix: 'set model.inputShape to [height, width, channels] with height*width*channels equal to the feature count' },
      );
    }
  }
}

/** Sets every bias of the 'output' layer to `value` (a regression model starting at the target's mean). */
export function setOutputBias(model: tf.LayersModel, value: number): void {
  const layer = model.getLayer('output');
  const [kernel, bias] = layer.getWeights();
  if (!bias) return;
  const filled = tf.fill(bias.shape, value);
  layer.setWeights([kernel, filled]);
  filled.dispose();
}
