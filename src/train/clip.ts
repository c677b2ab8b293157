// Gradient clipping by global norm: when the gradients, seen as one long vector, are longer than
// maxNorm, scale them all by maxNorm / norm, so a rare huge gradient cannot throw the weights far.
// The norm stays on the device (no sync); the trainer reads it only when it logs.
// Left out: per-parameter clipping and clipping by value.

import * as tf from '@tensorflow/tfjs';

/**
 * The global L2 norm of all gradients, as a scalar tensor.
 *
 *   globalNorm([[3], [4]]) → 5
 */
export function globalNorm(grads: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
}

/**
 * Gradients scaled by min(1, maxNorm / (norm + 1e-6)) (PyTorch's clip_grad_norm_), and the norm
 * before clipping. The caller owns (and disposes) everything returned.
 *
 *   clipByGlobalNorm([[3], [4]], 1) → { grads: [[0.6], [0.8]], norm: 5 }
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
  return tf.tidy(() => {
    const norm = globalNorm(grads);
    const scale = tf.minimum(tf.div(maxNorm, tf.add(norm, 1e-6)), 1); // []
    return { grads: grads.map((g) => tf.mul(g, scale)), norm };
  });
}
