// Cross-entropy of next-token logits: the mean over positions of -log softmax(logits)[target].
// One function, one place, so a fused softmax-cross-entropy kernel can replace it.
// On cpu and wasm one fused kernel computes it (src/kernels/cross-entropy.ts; GPTLAB_FUSED=0: this composition).
// Left out: ignore-index / loss masks (SFT adds them).

import * as tf from '@tensorflow/tfjs';
import { useFused } from '../kernels/fused';
import { fusedCrossEntropy } from '../kernels/cross-entropy';

/**
 * Mean cross-entropy of logits [N, V] against int32 targets [N]; a scalar.
 *
 *   crossEntropy(zeros [2, 4], [0, 3]) → ln 4 ≈ 1.3863 (uniform logits)
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  if (useFused('crossEntropy') && logits.dtype === 'float32') return tf.tidy(() => fusedCrossEntropy(logits, targets));
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits, -1); // [N, V]
    // subtle: a one-hot product instead of gather keeps the backward pass free of scatter kernels.
    const picked = tf.sum(tf.mul(logp, tf.oneHot(targets, logits.shape[1])), -1); // [N]
    return tf.neg(tf.mean(picked)) as tf.Scalar;
  });
}
