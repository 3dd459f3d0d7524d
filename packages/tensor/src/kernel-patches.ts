/**
 * Fixes to tfjs 4.22's kernels that training needs.
 * - wasm lacks a few gradient kernels, notably Conv2DBackpropFilter, so a CNN cannot train
 *   on it ("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'").
 *   Conv2DBackpropFilter is rebuilt from wasm's own kernels (conv-filter-grad.ts); each
 *   other missing kernel runs on the cpu backend through a bridge that copies its inputs
 *   there and its outputs back.
 * - cpu's own Conv2DBackpropFilter is a scalar loop 5× slower than the same gradient built
 *   from its Conv2D kernel, so it is replaced too (NCHW data still takes the original).
 */
import { makeConv2dBackpropFilter } from './conv-filter-grad';
import { consumeCpuBanner } from './cpu-banner';
import { tf } from './tf';

/** Float kernels the cpu backend has and wasm 4.22 does not (complex, ragged and string ones left out). */
const MISSING_ON_WASM = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'UnsortedSegmentSum',
  'Einsum',
] as const;

type KernelFunc = tf.KernelConfig['kernelFunc'];
type KernelArgs = Parameters<KernelFunc>[0];

const patched = new Set<string>();

/** Applies the patches for a backend once; returns the kernel names patched by this call. */
export function patchKernels(backendName: 'wasm' | 'cpu'): string[] {
  if (patched.has(backendName)) return [];
  patched.add(backendName);
  return backendName === 'wasm' ? patchWasm() : patchCpu();
}

function patchWasm(): string[] {
  const native = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const done: string[] = [];
  for (const kernelName of MISSING_ON_WASM) {
    // A later tfjs may implement some of these natively.
    if (native.has(kernelName)) continue;
    const cpuKernel = tf.getKernel(kernelName, 'cpu');
    if (!cpuKernel) continue;
    const onCpu: KernelFunc = (args) => runOnCpu(cpuKernel.kernelFunc, args);
    const kernelFunc = kernelName === 'Conv2DBackpropFilter' ? makeConv2dBackpropFilter('wasm', onCpu) : onCpu;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    done.push(kernelName);
  }
  return done;
}

function patchCpu(): string[] {
  const original = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (!original) return [];
  tf.unregisterKernel('Conv2DBackpropFilter', 'cpu');
  tf.registerKernel({ ...original, kernelFunc: makeConv2dBackpropFilter('cpu', original.kernelFunc) });
  return ['Conv2DBackpropFilter'];
}

function runOnCpu(kernelFunc: KernelFunc, { inputs, backend, attrs }: KernelArgs): tf.TensorInfo | tf.TensorInfo[] {
  const wasm = backend as tf.KernelBackend;
  const cpu = cpuBackend();
  const owned: tf.DataId[] = [];
  const cpuInputs: Record<string, tf.TensorInfo> = {};
  try {
    for (const [key, info] of Object.entries(inputs)) {
      if (!info) continue;
      const dataId = cpu.write(wasm.readSync(info.dataId), info.shape, info.dtype);
      owned.push(dataId);
      cpuInputs[key] = { dataId, shape: info.shape, dtype: info.dtype };
    }
    const out = kernelFunc({ inputs: cpuInputs, backend: cpu, attrs });
    const results = (Array.isArray(out) ? out : [out]).map((info) => {
      const values = cpu.readSync(info.dataId);
      if (!owned.includes(info.dataId)) cpu.disposeData(info.dataId);
      return { dataId: wasm.write(values, info.shape, info.dtype), shape: info.shape, dtype: info.dtype };
    });
    return Array.isArray(out) ? results : results[0];
  } finally {
    for (const dataId of owned) cpu.disposeData(dataId);
  }
}

let cpu: tf.KernelBackend | undefined;

function cpuBackend(): tf.KernelBackend {
  if (cpu) return cpu;
  const found = tf.findBackend('cpu');
  if (!found) throw new Error('the cpu backend is not registered; the wasm kernel bridge needs it');
  consumeCpuBanner(found);
  cpu = found;
  return found;
}
