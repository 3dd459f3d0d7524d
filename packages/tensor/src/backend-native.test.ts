/**
 * The native path cannot run here (tfjs-node needs libtensorflow), so these tests stand in
 * virtual modules: a tfjs-node-gpu of another version, and a tfjs-node that registers a
 * stub 'tensorflow' backend into our tfjs instance, as the real package does on require.
 */
import { selectBackend } from './backend';
import { tf } from './tf';

jest.mock('@tensorflow/tfjs-node-gpu/package.json', () => ({ version: '4.21.0' }), { virtual: true });
jest.mock('@tensorflow/tfjs-node-gpu', () => {
  throw new Error('a mismatched version must not be loaded');
}, { virtual: true });
jest.mock('@tensorflow/tfjs-node/package.json', () => ({ version: '4.22.0' }), { virtual: true });
jest.mock(
  '@tensorflow/tfjs-node',
  () => {
    const { tf: tfjs } = jest.requireActual<typeof import('./tf')>('./tf');
    class StubNativeBackend extends tfjs.KernelBackend {
      readonly isUsingGpuDevice = false;
    }
    tfjs.registerBackend('tensorflow', () => new StubNativeBackend(), 3);
    return {};
  },
  { virtual: true },
);

describe('selectBackend with native packages present', () => {
  it('uses tfjs-node when its version matches, skipping a mismatched tfjs-node-gpu', async () => {
    const log = jest.fn();
    const info = await selectBackend('auto', log);
    expect(info).toEqual({ name: 'tensorflow', device: 'cpu', detail: 'tensorflow (tfjs-node, cpu)' });
    expect(tf.getBackend()).toBe('tensorflow');
    expect(log).toHaveBeenCalledWith('tensor backend: tensorflow (tfjs-node, cpu); tfjs-node-gpu 4.21.0 does not match @tensorflow/tfjs 4.22.0');
  });

  it('honours an explicit tensorflow preference from the cache', async () => {
    expect((await selectBackend('tensorflow')).name).toBe('tensorflow');
  });
});
