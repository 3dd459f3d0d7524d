/**
 * The one TensorFlow.js instance of the program. Every package imports `tf` from
 * '@fmls/tensor', never from '@tensorflow/tfjs' directly, so there is exactly one engine:
 * a second copy would hold its own backend registry and its own tensors, and a model built
 * with one could not be trained by the other.
 *
 * The native backends (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node) depend on
 * @tensorflow/tfjs at exactly the version this package pins (4.22.0), so npm resolves them
 * to this same instance and they register their 'tensorflow' backend into its engine
 * (see backend.ts, which checks this before using them).
 */
export * as tf from '@tensorflow/tfjs';
