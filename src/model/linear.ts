// x @ W for the model's 2-D matmuls, with a backward pass that uses only untransposed matmuls.
//
// subtle: tfjs's own matMul gradient multiplies with transposeA / transposeB flags; the wasm backend
// sends those (and any batched matmul) to a naive loop instead of XNNPACK, which made the backward
// pass of the baby model 5x slower than its forward pass. Transposing explicitly (a cheap copy) and
// then multiplying plainly keeps every large matmul on the fast path, on every backend.
// linear() adds an optional low-rank update, the one hook LoRA (src/lora/) needs: x @ W + scale · (x @ A) @ B.
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

/** A low-rank update of one weight [in, out] (LoRA): A [in, r], B [r, out], and alpha / r. */
export interface LowRank {
  a: tf.Tensor2D | tf.Variable; // [in, r]
  b: tf.Tensor2D | tf.Variable; // [r, out]
  scale: number;
}

/**
 * x @ W (+ scale · (x @ A) @ B when a low-rank update is given) + b: the model's Linear layer.
 * subtle: the update goes through the rank-r bottleneck, never forming A @ B, so it costs r·(in + out) per row.
 *
 *   linear(ones [2, 3], ones [3, 4]) → [2, 4] filled with 3
 */
export function linear(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor, delta?: LowRank): tf.Tensor2D {
  let y = matMul2d(x, w as tf.Tensor2D); // [N, out]
  if (delta !== undefined) {
    const low = matMul2d(matMul2d(x, delta.a as tf.Tensor2D), delta.b as tf.Tensor2D); // [N, r] → [N, out]
    y = tf.add(y, tf.mul(low, delta.scale)); // [N, out]
  }
  return addBias(y, b);
}
