/**
 * Chooses the tensor backend once per process: native TensorFlow (GPU, then CPU) when its
 * optional package is installed, else WebAssembly, else pure JavaScript.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { type BackendPreference, InputError } from '@fmls/core';
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm';
import { consumeCpuBanner } from './cpu-banner';
import { patchKernels } from './kernel-patches';
import { tf } from './tf';

/** The backend that runs every tensor operation of this process. */
export interface BackendInfo {
  name: 'tensorflow' | 'wasm' | 'cpu';
  device: 'gpu' | 'cpu';
  /** One human-readable phrase, e.g. "wasm (simd, 1 thread)". */
  detail: string;
}

/** `notes` say why better variants of a backend that loaded were skipped (tfjs-node-gpu for tfjs-node). */
type Attempt = { ok: true; info: BackendInfo; notes?: string[] } | { ok: false; reason: string };

/** Tried in this order for 'tensorflow' (and first for 'auto'). */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

const FIXES: Record<Exclude<BackendPreference, 'auto'>, string> = {
  tensorflow: 'install @tensorflow/tfjs-node-gpu (CUDA hosts) or @tensorflow/tfjs-node on this host, or use --backend auto',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm (its .wasm files must sit in its dist folder), or use --backend cpu',
  cpu: 'reinstall @tensorflow/tfjs',
};

let active: { info: BackendInfo; line: string } | undefined;
// Calls run one after another, so two callers racing at start-up cannot both switch backends.
let queue: Promise<unknown> = Promise.resolve();
let wasmConfigured = false;

/**
 * Selects and initialises the tensor backend; call (and await) it once before building models.
 * 'auto' takes the best backend that loads; an explicit preference that cannot load is an
 * InputError. Every successful call passes `log` one line naming the backend and why better
 * ones were skipped, so each daemon's log records what it runs. Later calls with 'auto' or
 * the same name return the cached info (and line); a different explicit name switches
 * backends (tfjs moves live tensors over), and a failed switch leaves the backend as it was.
 */
export function selectBackend(pref: BackendPreference, log: (msg: string) => void = () => undefined): Promise<BackendInfo> {
  const result = queue.then(() => selectNow(pref, log));
  queue = result.catch(() => undefined);
  return result;
}

/** The backend chosen by the last successful selectBackend, if any. */
export function activeBackend(): BackendInfo | undefined {
  return active?.info;
}

async function selectNow(pref: BackendPreference, log: (msg: string) => void): Promise<BackendInfo> {
  if (active && (pref === 'auto' || pref === active.info.name)) {
    log(active.line);
    return active.info;
  }
  const order: Array<BackendInfo['name']> = pref === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [pref];
  const skipped: string[] = [];
  for (const name of order) {
    const attempt = await tryBackend(name);
    if (attempt.ok) {
      const why = [...(attempt.notes ?? []), ...skipped];
      active = { info: attempt.info, line: `tensor backend: ${attempt.info.detail}${why.length ? `; ${why.join('; ')}` : ''}` };
      log(active.line);
      return attempt.info;
    }
    skipped.push(attempt.reason);
  }
  // tfjs forgets its current backend when setBackend fails; put the working one back.
  if (active && tf.getBackend() !== active.info.name) await tf.setBackend(active.info.name);
  const name = pref === 'auto' ? 'cpu' : pref;
  throw new InputError(`tensor backend ${pref} cannot be used: ${skipped.join('; ')}`, { fix: FIXES[name] });
}

function tryBackend(name: BackendInfo['name']): Promise<Attempt> {
  switch (name) {
    case 'tensorflow':
      return tryNative();
    case 'wasm':
      return tryWasm();
    case 'cpu':
      return tryCpu();
  }
}

async function tryNative(): Promise<Attempt> {
  const missing: string[] = [];
  const failures: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    const short = pkg.slice('@tensorflow/'.length);
    const problem = loadNative(pkg);
    if (problem === 'not installed') {
      missing.push(short);
      continue;
    }
    if (problem) {
      failures.push(`${short} ${problem}`);
      continue;
    }
    if (!(await tf.setBackend('tensorflow'))) {
      failures.push(`${short} loaded but its backend failed to initialise`);
      continue;
    }
    // NodeJSKernelBackend exposes whether libtensorflow placed ops on a CUDA device.
    const onGpu = (tf.backend() as unknown as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true;
    const why = pkg.endsWith('-gpu') && !onGpu ? ', no CUDA GPU visible' : '';
    const info: BackendInfo = { name: 'tensorflow', device: onGpu ? 'gpu' : 'cpu', detail: `tensorflow (${short}, ${onGpu ? 'gpu' : 'cpu'}${why})` };
    return { ok: true, info, notes: [...failures, ...missing.map((m) => `${m} not installed`)] };
  }
  if (missing.length) failures.push(`${missing.join(' and ')} not installed`);
  return { ok: false, reason: failures.join('; ') };
}

/** Requires a native tfjs package for its side effect (registering 'tensorflow'); returns why it is unusable, or undefined. */
function loadNative(pkg: string): string | undefined {
  let version: unknown;
  try {
    version = (require(`${pkg}/package.json`) as { version?: unknown }).version;
  } catch {
    return 'not installed';
  }
  // A different version would bring its own tfjs-core whose kernels need not match ours.
  if (version !== tf.version.tfjs) return `${String(version)} does not match @tensorflow/tfjs ${tf.version.tfjs}`;
  // Requiring a package whose install could not fetch libtensorflow registers its kernels
  // before failing, which makes the next attempt print hundreds of warnings: check first.
  if (!hasNativeBinding(pkg)) return 'installed without its native binding (its install step could not download libtensorflow)';
  try {
    require(pkg);
  } catch (err) {
    return `failed to load (${firstLine(err)})`;
  }
  if (!tf.findBackendFactory('tensorflow')) return 'registered into another TensorFlow.js instance';
  return undefined;
}

function hasNativeBinding(pkg: string): boolean {
  let lib: string;
  try {
    lib = join(dirname(require.resolve(`${pkg}/package.json`)), 'lib');
  } catch {
    return true; // not a package on disk (the tests' stand-ins): let require decide
  }
  try {
    return readdirSync(lib).some((d) => d.startsWith('napi-v') && existsSync(join(lib, d, 'tfjs_binding.node')));
  } catch {
    return false;
  }
}

async function tryWasm(): Promise<Attempt> {
  try {
    configureWasmOnce();
    if (!(await tf.setBackend('wasm'))) return { ok: false, reason: 'wasm failed to initialise' };
    patchKernels('wasm');
  } catch (err) {
    return { ok: false, reason: `wasm failed to initialise (${firstLine(err)})` };
  }
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = wasmBackend.getThreadsCount();
  const detail = `wasm (${simd ? 'simd' : 'no simd'}, ${threads} thread${threads === 1 ? '' : 's'})`;
  return { ok: true, info: { name: 'wasm', device: 'cpu', detail } };
}

function configureWasmOnce(): void {
  if (wasmConfigured) return;
  wasmConfigured = true;
  // The threaded binary spawns its workers from blob URLs, which Node refuses; pin the
  // single-threaded build (tfjs turns this off on Node today, but must not start to try).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasmBackend.setThreadsCount(1);
  // Emscripten otherwise looks for the .wasm files beside whatever script loaded it, which
  // breaks under bundlers and test runners; the package's dist folder always has them.
  wasmBackend.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + sep);
}

async function tryCpu(): Promise<Attempt> {
  if (!(await tf.setBackend('cpu'))) return { ok: false, reason: 'cpu failed to initialise' };
  consumeCpuBanner(tf.backend());
  patchKernels('cpu');
  return { ok: true, info: { name: 'cpu', device: 'cpu', detail: 'cpu (pure JavaScript)' } };
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
