// AdamW's update of one parameter as one fused kernel (JavaScript, cpu/wasm).
//
// Unfused, the update in src/train/adamw.ts is about a dozen elementwise kernels per parameter
// (27 parameters in the baby model: over 300 kernels a step). Here one pass reads p, m, v, g and
// writes the new p, m, v:
//   m' = β1·m + (1-β1)·g,  v' = β2·v + (1-β2)·g²,  p' = p·decay - lr · (m'/bc1) / (sqrt(v'/bc2) + eps)
// where decay = 1 - lr·weightDecay for decaying parameters (else 1) and bc1, bc2 the bias corrections.
// Left out: a multi-tensor kernel over all parameters at once.

import * as tf from '@tensorflow/tfjs';
import { registerHeapKernel, runJsKernel } from './js-kernel';

/** The scalars of one AdamW step. */
export interface AdamWStepScalars {
  beta1: number;
  beta2: number;
  /** 1 - beta1^t and 1 - beta2^t. */
  bc1: number;
  bc2: number;
  eps: number;
  lr: number;
  /** The factor p is multiplied by before the step: 1 - lr·weightDecay, or 1. */
  decay: number;
}

registerHeapKernel('GptLabAdamW', {
  outputShapes: ([shape]) => [shape, shape, shape],
  run: ([p, m, v, g], [p1, m1, v1], _, attrs) => {
    const { beta1, beta2, bc1, bc2, eps, lr, decay } = attrs as unknown as AdamWStepScalars;
    const n = p.length;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let i = 0; i < n; i++) {
      const gi = g[i];
      const mi = beta1 * m[i] + c1 * gi;
      const vi = beta2 * v[i] + c2 * gi * gi;
      m1[i] = mi;
      v1[i] = vi;
      p1[i] = p[i] * decay - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps);
    }
  },
});

/**
 * The new [p, m, v] of one AdamW step, as new tensors (the caller assigns and disposes them).
 * cpu and wasm only.
 *
 *   fusedAdamW(p, m, v, g, { beta1: 0.9, beta2: 0.99, bc1: 0.1, bc2: 0.01, eps: 1e-8, lr: 0.01, decay: 1 })
 *     → [p', m', v']
 */
export function fusedAdamW(
  p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWStepScalars,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const [p1, m1, v1] = runJsKernel('GptLabAdamW', { p, m, v, g }, { ...s });
  return [p1, m1, v1];
}
