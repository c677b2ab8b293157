// x @ W for the model's 2-D matmuls, with a backward pass that uses only untransposed matmuls.
//
// subtle: tfjs's own matMul gradient multiplies with transposeA / transposeB flags; the wasm backend
// sends those (and any batched matmul) to a naive loop instead of XNNPACK, which made the backward
// pass of the baby model 5x slower than its forward pass. Transposing explicitly (a cheap copy) and
// then multiplying plainly keeps every large matmul on the fast path, on every backend.
// Left out: bias fusion (tf.fused.matMul), which a later speed issue can add here, in one place.

import * as tf from '@tensorflow/tfjs';

const matMulPlainGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w), // [N, out]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as tf.Tensor2D[];
      const g = dy as tf.Tensor2D; // [N, out]
      // (dyᵀ @ x)ᵀ would transpose fewer values for the MLP's c_proj, but once matrix transposes were
      // tiled copies on wasm (src/kernels/transpose.ts) it saved about 1% of a step: not worth a second form.
      return [
        tf.matMul(g, tf.transpose(ws)), // dx = dy @ Wᵀ: [N, in]
        tf.matMul(tf.transpose(xs), g), // dW = xᵀ @ dy: [in, out]
      ];
    },
  };
});

/**
 * x [N, in] @ w [in, out] → [N, out], differentiable in both.
 *
 *   matMul2d(ones [2, 3], ones [3, 4]) → [2, 4] filled with 3
 */
export function matMul2d(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  return matMulPlainGrad(x, w) as tf.Tensor2D;
}

/**
 * x + b, broadcast over rows; x itself when there is no bias (configs with bias: false).
 *
 *   addBias(ones [2, 3], undefined) → the same tensor
 */
export function addBias<T extends tf.Tensor>(x: T, b?: tf.Tensor): T {
  return b === undefined ? x : (tf.add(x, b) as T);
}
