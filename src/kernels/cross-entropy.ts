// Mean softmax cross-entropy as one fused kernel and one for its gradient (JavaScript, cpu/wasm).
//
// Unfused: logSoftmax, oneHot, mul, sum, mean, neg, and their gradients. Here one pass per row:
//   loss = mean_n (logsumexp(z_n) - z_n[t_n]),   dz_n = (softmax(z_n) - onehot(t_n)) · dloss / N
// The forward keeps softmax(z) [N, V] for the backward.
// Left out: ignore-index and loss masks (SFT has its own masked loss).

import * as tf from '@tensorflow/tfjs';
import { registerJsKernel, runJsKernel } from './js-kernel';

registerJsKernel('GptLabCrossEntropy', ([z, t], [shape]) => {
  const [N, V] = shape;
  const probs = new Float32Array(N * V);
  let total = 0;
  for (let n = 0; n < N; n++) {
    const o = n * V;
    let mx = -Infinity;
    for (let j = 0; j < V; j++) if (z[o + j] > mx) mx = z[o + j];
    let sum = 0;
    for (let j = 0; j < V; j++) { const e = Math.exp(z[o + j] - mx); probs[o + j] = e; sum += e; }
    const inv = 1 / sum;
    for (let j = 0; j < V; j++) probs[o + j] *= inv;
    const target = t[n];
    if (!(target >= 0 && target < V))
      throw new Error(`crossEntropy: target ${target} at row ${n} is outside 0..${V - 1}`);
    total += mx + Math.log(sum) - z[o + target];
  }
  return [{ shape: [], values: Float32Array.of(total / N) }, { shape, values: probs }];
});

registerJsKernel('GptLabCrossEntropyGrad', ([dy, probs, t], [, shape]) => {
  const [N, V] = shape;
  const scale = dy[0] / N;
  const dz = new Float32Array(N * V);
  for (let n = 0; n < N; n++) {
    const o = n * V;
    for (let j = 0; j < V; j++) dz[o + j] = probs[o + j] * scale;
    dz[o + t[n]] -= scale;
  }
  return [{ shape, values: dz }];
});

/**
 * Mean cross-entropy of logits [N, V] against int32 targets [N]; a scalar, differentiable in the
 * logits. cpu and wasm only.
 *
 *   fusedCrossEntropy(zeros [2, 4], [0, 3]) → ln 4
 */
export function fusedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const t = targets.dtype === 'int32' ? targets : tf.cast(targets, 'int32');
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [z, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [loss, probs] = runJsKernel('GptLabCrossEntropy', { z, t });
    save([probs]);
    return {
      value: loss,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runJsKernel('GptLabCrossEntropyGrad', { dy, probs: saved[0], t }),
    };
  });
  return f(logits) as tf.Scalar;
}
