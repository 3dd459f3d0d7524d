import { selectBackend } from './backend';
import { tf } from './tf';

type Pad = 'same' | 'valid';

/** dL/dW of sum(conv2d(x, w) ⊙ dy) by the definition, with TensorFlow's SAME/VALID padding. */
function referenceFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kh: number, kw: number, stride: number, pad: Pad): Float64Array {
  const [n, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const padH = pad === 'same' ? Math.max((oh - 1) * stride + kh - h, 0) : 0;
  const padW = pad === 'same' ? Math.max((ow - 1) * stride + kw - w, 0) : 0;
  const top = Math.floor(padH / 2);
  const left = Math.floor(padW / 2);
  const xv = x.dataSync();
  const dv = dy.dataSync();
  const grad = new Float64Array(kh * kw * ci * co);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let a = 0; a < kh; a++)
          for (let c = 0; c < kw; c++) {
            const r = i * stride + a - top;
            const s = j * stride + c - left;
            if (r < 0 || r >= h || s < 0 || s >= w) continue;
            for (let p = 0; p < ci; p++)
              for (let q = 0; q < co; q++) {
                grad[((a * kw + c) * ci + p) * co + q] += xv[((b * h + r) * w + s) * ci + p] * dv[((b * oh + i) * ow + j) * co + q];
              }
          }
  return grad;
}

const cases: Array<[n: number, h: number, w: number, ci: number, co: number, kh: number, kw: number, stride: number, pad: Pad]> = [
  [2, 8, 8, 1, 4, 3, 3, 1, 'same'],
  [3, 7, 9, 2, 3, 3, 3, 2, 'same'],
  [3, 7, 9, 2, 3, 3, 3, 2, 'valid'],
  [1, 10, 6, 3, 2, 5, 5, 3, 'valid'], // uneven stride: the last rows never meet dy
  [2, 5, 5, 2, 2, 1, 1, 1, 'valid'],
  [2, 9, 9, 2, 5, 4, 2, 2, 'same'],
];

describe.each(['wasm', 'cpu'] as const)('Conv2DBackpropFilter on %s', (backend) => {
  beforeAll(() => selectBackend(backend));
  afterAll(() => selectBackend('wasm'));

  it.each(cases)('matches the definition for x [%i,%i,%i,%i] → %i filters %ix%i, stride %i, %s', (n, h, w, ci, co, kh, kw, stride, pad) => {
    const x = tf.randomNormal([n, h, w, ci], 0, 1, 'float32', 1) as tf.Tensor4D;
    const filter = tf.randomNormal([kh, kw, ci, co], 0, 1, 'float32', 2) as tf.Tensor4D;
    const probe = tf.conv2d(x, filter, stride, pad);
    const dy = tf.randomNormal(probe.shape, 0, 1, 'float32', 3) as tf.Tensor4D;
    const grad = tf.grad((f) => tf.conv2d(x, f as tf.Tensor4D, stride, pad).mul(dy).sum())(filter);
    const expected = referenceFilterGrad(x, dy, kh, kw, stride, pad);
    const actual = grad.dataSync();
    expect(grad.shape).toEqual([kh, kw, ci, co]);
    for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThan(1e-4 * (1 + Math.abs(expected[i])));
    tf.dispose([x, filter, probe, dy, grad]);
  });

  it('does not leak tensors', () => {
    const x = tf.ones([2, 6, 6, 2]) as tf.Tensor4D;
    const filter = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    const before = tf.memory();
    tf.tidy(() => {
      tf.grad((f) => tf.conv2d(x, f as tf.Tensor4D, 1, 'same').sum())(filter);
    });
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    tf.dispose([x, filter]);
  });
});
