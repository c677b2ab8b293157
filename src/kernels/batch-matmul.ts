// Batched matmul through XNNPACK's grouped convolution, for the wasm backend.
//
// tfjs-wasm runs a plain 2-D matmul through XNNPACK (about 30 GFLOP/s on one core), but any batched
// or transposed one through a naive loop (about 3 GFLOP/s): attention's QKᵀ and att·V, a third of
// the baby model's step. A batched matmul is a depthwise convolution in disguise: with the batch
// index g as the channel, the inner index k as the width and the rows i as the height,
//   out[0, i, 0, g·N + j] = Σ_k x[0, i, k, g] · f[0, k, g, j]
// is C[g] = A[g] · B[g] for x = A laid out [1, M, K, G] and f = B laid out [1, K, G, N] (a 1×K
// filter with channel multiplier N, 'valid' padding), and tfjs-wasm hands depthwiseConv2d to
// XNNPACK. With the layout transposes it measured 3-4x faster than tf.matMul on the attention
// shapes (48 x [64, 64] · [64, 32]: 1.3 ms against 4.0 ms). Transposed operands fold into the
// layout transposes for free.
//
//   batchMatMul(a [G, M, K], b [G, K, N]) → [G, M, N];  batchMatMul(q, k, false, true) → q · kᵀ
//
// The gradient uses the same path: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC.
// Left out: broadcasting a batch of 1 against a larger one (attention never needs it); other
// backends (on cpu the convolution is slower than tfjs's matmul; fused.ts decides).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';

/** The forward product on [G, ., .] tensors, no gradient: depthwise convolution and transposes. */
function bmmConv(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  return tf.tidy(() => {
    const [G] = a.shape;
    const [M, K] = transposeA ? [a.shape[2], a.shape[1]] : [a.shape[1], a.shape[2]];
    const N = transposeB ? b.shape[1] : b.shape[2];
    const x = tf.reshape(tf.transpose(a, transposeA ? [2, 1, 0] : [1, 2, 0]), [1, M, K, G]); // [1, M, K, G]
    const f = tf.reshape(tf.transpose(b, transposeB ? [2, 0, 1] : [1, 0, 2]), [1, K, G, N]); // [1, K, G, N]
    const y = tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'); // [1, M, 1, G*N]
    return tf.transpose(tf.reshape(y, [M, G, N]), [1, 0, 2]) as tf.Tensor3D; // [G, M, N]
  });
}

/** Differentiable batched product of [G, ., .] tensors. */
function bmm3(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, y, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
    save([x, y]);
    return {
      value: bmmConv(x, y, transposeA, transposeB),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [A, B] = saved as tf.Tensor3D[];
        const dC = dy as tf.Tensor3D;
        if (!transposeA && !transposeB) return [bmmConv(dC, B, false, true), bmmConv(A, dC, true, false)]; // C = A B
        if (!transposeA && transposeB) return [bmmConv(dC, B, false, false), bmmConv(dC, A, true, false)]; // C = A Bᵀ
        if (transposeA && !transposeB) return [bmmConv(B, dC, false, true), bmmConv(A, dC, false, false)]; // C = Aᵀ B
        return [bmmConv(B, dC, true, true), bmmConv(dC, A, true, true)]; // C = Aᵀ Bᵀ
      },
    };
  });
  return f(a, b) as tf.Tensor3D;
}

/**
 * a [..., M, K] · b [..., K, N] → [..., M, N] over equal leading (batch) dimensions, with optional
 * transposes of the last two axes, differentiable: tf.matMul's contract without broadcasting.
 *
 *   batchMatMul(ones [2, 4, 3, 5], ones [2, 4, 5, 6]) → [2, 4, 3, 6] filled with 5
 */
export function batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeA = false, transposeB = false): tf.Tensor {
  const lead = a.shape.slice(0, -2);
  assert(a.rank >= 3 && a.rank === b.rank && lead.every((d, i) => d === b.shape[i]),
    () => `batchMatMul needs equal batch dimensions of rank >= 3, got [${a.shape}] and [${b.shape}]; ` +
      'use tf.matMul to broadcast');
  const G = lead.reduce((p, d) => p * d, 1);
  const [a1, a2] = a.shape.slice(-2);
  const [b1, b2] = b.shape.slice(-2);
  const M = transposeA ? a2 : a1;
  const K = transposeA ? a1 : a2;
  const Kb = transposeB ? b2 : b1;
  const N = transposeB ? b1 : b2;
  assert(K === Kb,
    () => `batchMatMul: inner dimensions differ: [${a.shape}]${transposeA ? 'ᵀ' : ''} · ` +
      `[${b.shape}]${transposeB ? 'ᵀ' : ''}`);
  return tf.tidy(() => {
    const c = bmm3(tf.reshape(a, [G, a1, a2]), tf.reshape(b, [G, b1, b2]), transposeA, transposeB); // [G, M, N]
    return tf.reshape(c, [...lead, M, N]); // [..., M, N]
  });
}
