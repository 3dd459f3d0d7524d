/**
 * Models on disk in the TensorFlow.js LayersModel format (model.json + weights.bin), so a
 * trained model loads with plain `tf.loadLayersModel` in any TensorFlow.js program and
 * converts to Keras with tensorflowjs_converter.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FmlsError, InputError } from '@fmls/core';
import { tf } from './tf';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/** Bytes per stored value of each dtype a weight spec may name. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** A model as the bytes of its two files: model.json and weights.bin (for callers that store them their own way, encrypted say). */
export interface ModelArtifacts {
  modelJson: Buffer;
  weights: Uint8Array;
}

/** Serializes `model` into the bytes saveModel writes, without touching the disk. */
export async function modelArtifacts(model: tf.LayersModel): Promise<ModelArtifacts> {
  let result: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(
        artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData),
      );
      const json = {
        modelTopology: artifacts.modelTopology,
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: null,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      result = { modelJson: Buffer.from(JSON.stringify(json)), weights };
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  if (!result) throw new Error('tfjs did not call the save handler');
  return result;
}

/**
 * Writes `dir/model.json` and `dir/weights.bin`, creating dir. Each file is written to a
 * temporary name, flushed and renamed into place, weights first: a concurrent reader sees
 * each file either whole-old or whole-new, and loadModel rejects a weights file whose size
 * does not match its model.json. Returns the paths written and their total size.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<{ files: string[]; bytes: number }> {
  const { modelJson, weights } = await modelArtifacts(model);
  try {
    await mkdir(dir, { recursive: true });
    await writeAtomic(join(dir, WEIGHTS_FILE), weights);
    await writeAtomic(join(dir, MODEL_FILE), modelJson);
  } catch (err) {
    throw new InputError(`cannot write the model to ${dir}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      fix: 'choose a writable directory with free space for the model output',
      cause: err,
    });
  }
  return { files: [join(dir, MODEL_FILE), join(dir, WEIGHTS_FILE)], bytes: modelJson.length + weights.length };
}

/** How loadModel reads each file; the default reads it as it is. */
export type ModelFileReader = (path: string) => Promise<Uint8Array> | Uint8Array;

export interface LoadModelOptions {
  /** Reads model.json and the weight files (to decrypt them, say); FmlsErrors it throws pass through. Default: plain reads. */
  readFile?: ModelFileReader;
}

/**
 * Loads a model written by saveModel (or any single- or multi-shard TensorFlow.js
 * LayersModel whose weight files sit beside model.json). InputError if model.json is
 * missing or anything in the directory is not a consistent LayersModel.
 */
export async function loadModel(dir: string, options: LoadModelOptions = {}): Promise<tf.LayersModel> {
  const read = options.readFile ?? ((path: string) => readFile(path));
  const modelPath = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = asBuffer(await read(modelPath)).toString('utf8');
  } catch (err) {
    if (err instanceof FmlsError) throw err;
    throw new InputError(`cannot read ${modelPath}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      fix: 'point at a directory written by fmls, holding model.json and weights.bin',
      cause: err,
    });
  }
  const corrupt = (why: string, cause?: unknown): InputError =>
    new InputError(`${modelPath} is not a TensorFlow.js LayersModel: ${why}`, {
      fix: 'rewrite the model (rerun the task or copy it again); the files may be truncated or hand-edited',
      cause,
    });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw corrupt(`invalid JSON (${(err as Error).message})`, err);
  }
  const artifacts = parseModelJson(json, corrupt);
  const buffers: Buffer[] = [];
  for (const path of artifacts.paths) {
    // Paths come from the file itself; never let one reach outside the model directory.
    if (path.includes('/') || path.includes('\\') || path === '..' || path === '.') throw corrupt(`weight path ${JSON.stringify(path)} is not a plain file name`);
    try {
      buffers.push(asBuffer(await read(join(dir, path))));
    } catch (err) {
      if (err instanceof FmlsError) throw err;
      throw corrupt(`cannot read weights file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, err);
    }
  }
  const weightData = Buffer.concat(buffers);
  const expected = artifacts.weightSpecs.reduce((sum, spec) => sum + specBytes(spec, corrupt), 0);
  if (weightData.length !== expected) throw corrupt(`weights have ${weightData.length} bytes but the manifest needs ${expected}`);
  // A fresh ArrayBuffer of exactly the weights: Buffers may share a larger pooled one.
  const data = weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.length);
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData: data, format: 'layers-model' }),
    );
  } catch (err) {
    throw corrupt(err instanceof Error ? err.message : String(err), err);
  }
}

interface ParsedModelJson {
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  paths: string[];
}

function parseModelJson(json: unknown, corrupt: (why: string) => InputError): ParsedModelJson {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw corrupt('not a JSON object');
  const { modelTopology, format, weightsManifest } = json as Record<string, unknown>;
  if (format !== undefined && format !== 'layers-model') throw corrupt(`format is ${JSON.stringify(format)}, not "layers-model"`);
  if (typeof modelTopology !== 'object' || modelTopology === null) throw corrupt('modelTopology is missing');
  if (!Array.isArray(weightsManifest)) throw corrupt('weightsManifest is missing');
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const paths: string[] = [];
  for (const group of weightsManifest as unknown[]) {
    const { paths: groupPaths, weights } = (group ?? {}) as Record<string, unknown>;
    if (!Array.isArray(groupPaths) || !groupPaths.every((p) => typeof p === 'string')) throw corrupt('a weightsManifest entry has no paths');
    if (!Array.isArray(weights)) throw corrupt('a weightsManifest entry has no weights');
    paths.push(...(groupPaths as string[]));
    weightSpecs.push(...(weights as tf.io.WeightsManifestEntry[]));
  }
  return { modelTopology, weightSpecs, paths };
}

function specBytes(spec: tf.io.WeightsManifestEntry, corrupt: (why: string) => InputError): number {
  const shape: unknown = spec?.shape;
  if (typeof spec?.name !== 'string' || !Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
    throw corrupt(`weight spec ${JSON.stringify(spec)} is malformed`);
  }
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  const bytes = DTYPE_BYTES[dtype];
  if (bytes === undefined) throw corrupt(`weight ${spec.name} has unsupported dtype ${String(dtype)}`);
  return (shape as number[]).reduce((a, b) => a * b, 1) * bytes;
}

/** A Buffer over the same memory (no copy of what may be a large weights file). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Writes to a unique temporary file in the same directory, flushes it, then renames it over `path`. */
async function writeAtomic(path: string, data: Uint8Array): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
