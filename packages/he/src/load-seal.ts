/**
 * Loads Microsoft SEAL (node-seal 7, WebAssembly) once per process. node-seal ships only
 * as an ES module, so it is loaded with a dynamic import from this CommonJS code. Its
 * WebAssembly uses exception references, which Node enables by default from 24.10;
 * earlier versions fail with a CompileError that we turn into a one-line fix.
 */
import { FmlsError } from '@fmls/core';
import type { MainModule } from 'node-seal' with { 'resolution-mode': 'import' };

let loading: Promise<MainModule> | undefined;

export function loadSeal(): Promise<MainModule> {
  loading ??= (async () => {
    try {
      const { default: initialize } = await import('node-seal');
      return await initialize();
    } catch (err) {
      loading = undefined;
      throw new FmlsError(`cannot load node-seal (Microsoft SEAL) on Node ${process.version}: ${(err as Error).message.split('\n')[0]}`, {
        fix: 'run fmls with the Node 24 that npm ci installs (npx fmls …), or Node ≥ 24.10',
        cause: err,
      });
    }
  })();
  return loading;
}
