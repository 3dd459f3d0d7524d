import { InputError } from '@fmls/core';
import { activeBackend, selectBackend } from './backend';
import { tf } from './tf';

describe('selectBackend', () => {
  it('auto picks single-threaded wasm here and says why native was skipped', async () => {
    const lines: string[] = [];
    const info = await selectBackend('auto', (line) => lines.push(line));
    expect(info).toEqual({ name: 'wasm', device: 'cpu', detail: expect.stringMatching(/^wasm \((no )?simd, 1 thread\)$/) });
    expect(tf.getBackend()).toBe('wasm');
    expect(lines).toEqual([`tensor backend: ${info.detail}; tfjs-node-gpu and tfjs-node not installed`]);
    expect(activeBackend()).toBe(info);
  });

  it('returns the cached info on a second call, logging the same line', async () => {
    const first = await selectBackend('auto');
    const log = jest.fn();
    expect(await selectBackend('auto', log)).toBe(first);
    expect(await selectBackend('wasm', log)).toBe(first);
    expect(log.mock.calls).toEqual([
      [`tensor backend: ${first.detail}; tfjs-node-gpu and tfjs-node not installed`],
      [`tensor backend: ${first.detail}; tfjs-node-gpu and tfjs-node not installed`],
    ]);
  });

  it('rejects an explicit tensorflow preference that cannot load, leaving the backend as it was', async () => {
    const err = await selectBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe('tensor backend tensorflow cannot be used: tfjs-node-gpu and tfjs-node not installed');
    expect((err as InputError).fix).toMatch(/install @tensorflow\/tfjs-node-gpu .*--backend auto/);
    expect(tf.getBackend()).toBe('wasm');
  });

  it('switches to an explicit cpu preference and back, keeping live tensors', async () => {
    const t = tf.tensor1d([1, 2, 3]);
    const log = jest.fn();
    expect(await selectBackend('cpu', log)).toEqual({ name: 'cpu', device: 'cpu', detail: 'cpu (pure JavaScript)' });
    expect(log).toHaveBeenCalledWith('tensor backend: cpu (pure JavaScript)');
    expect(Array.from(t.mul(2).dataSync())).toEqual([2, 4, 6]);
    expect((await selectBackend('wasm')).name).toBe('wasm');
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3]);
    t.dispose();
  });

  it('serialises concurrent calls', async () => {
    const [a, b] = await Promise.all([selectBackend('auto'), selectBackend('auto')]);
    expect(a).toBe(b);
  });
});
