import { tf } from './tf';

/**
 * The cpu backend prints an "install our node backend" banner on its first tensor write.
 * fmls logs its own line saying which backend runs and why, so that first write is made
 * here with tfjs's warnings muted (in tfjs-core the PROD flag gates only warnings), and the
 * flag is restored at once so later warnings still show.
 */
export function consumeCpuBanner(cpu: tf.KernelBackend): void {
  const env = tf.env();
  const prod = env.getBool('PROD');
  env.set('PROD', true);
  try {
    cpu.disposeData(cpu.write(new Float32Array(1), [1], 'float32'));
  } finally {
    env.set('PROD', prod);
  }
}
