// Cross-entropy of next-token logits: the mean over positions of -log softmax(logits)[target].
// One function, one place, so a fused softmax-cross-entropy kernel can replace it.
// Left out: ignore-index / loss masks (SFT adds them).

import * as tf from '@tensorflow/tfjs';

/**
 * Mean cross-entropy of logits [N, V] against int32 targets [N]; a scalar.
 *
 *   crossEntropy(zeros [2, 4], [0, 3]) → ln 4 ≈ 1.3863 (uniform logits)
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits, -1); // [N, V]
    // subtle: a one-hot product instead of gather keeps the backward pass free of scatter kernels.
    const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, logits.shape[1])), -1); // [N]
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
