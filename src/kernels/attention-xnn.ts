// Causal self-attention for the wasm backend with both batched products on XNNPACK (as
// batch-matmul.ts: a depthwise convolution with the batch-head index as the channel) and the
// tensors kept in the layouts those convolutions read and write, so each product costs one layout
// transpose per operand instead of three.
//
// Layouts, with G = B·nHead and i, j query and key positions:
//   S = QKᵀ:  x = q as [1, i, d, G], filter = k as [1, d, G, j]  →  S, P as [i, G, j]
//   Y = PV:   x = P as [1, i, j, G], filter = v as [1, j, G, d]  →  Y as [i, B, nHead, d]
// softmax and the causal mask work on [i, G, j] along j directly. The backward is written out
// (tfjs-wasm has no kernels for the convolution's own gradients):
//   dP = dY·Vᵀ,  dS = P ⊙ (dP - Σ_j P ⊙ dP) / sqrt(hs),  dV = Pᵀ·dY,  dQ = dS·K,  dK = dSᵀ·Q.
// It measured 26 → 16 transposes per layer against attention through batchMatMul.
// The scale and causal mask, and dS from P and dP, are each one JavaScript pass over the wasm heap
// (GptLabCausalScale, GptLabSoftmaxGrad): tfjs-wasm's broadcasting add and subtract took 3-4 ms a call
// on [64, 48, 64] with 2 threads, against about 0.3 ms here.
// Left out: dropout on the attention weights and the KV cache (attention.ts keeps other paths).

import * as tf from '@tensorflow/tfjs';
import { registerHeapKernel } from './js-kernel';

/** x [1, M, K, G] ⊛ f [1, K, G, N] → [M, G, N]: G products of [M, K]·[K, N] through XNNPACK. */
function dw(x: tf.Tensor, f: tf.Tensor, M: number, G: number, N: number): tf.Tensor3D {
  return tf.reshape(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'), [M, G, N]); // [M, G, N]
}

/** Large enough that exp() underflows to 0; finite so masked rows never produce NaN gradients. */
const MASKED = -1e9;

registerHeapKernel('GptLabCausalScale', {
  // S [T, G, T] (i, g, j) → scale·S where j <= i, MASKED where j > i
  outputShapes: ([shape]) => [shape],
  run: ([S], [out], [[T, G]], attrs) => {
    const scale = attrs.scale as number;
    for (let i = 0; i < T; i++) {
      for (let g = 0; g < G; g++) {
        const o = (i * G + g) * T;
        for (let j = 0; j <= i; j++) out[o + j] = S[o + j] * scale;
        for (let j = i + 1; j < T; j++) out[o + j] = MASKED;
      }
    }
  },
});

registerHeapKernel('GptLabSoftmaxGrad', {
  // P, dP [.., T] → dS = P ⊙ (dP - Σ_j P ⊙ dP) · scale, rows along the last axis
  outputShapes: ([shape]) => [shape],
  run: ([P, dP], [dS], [shape], attrs) => {
    const scale = attrs.scale as number;
    const T = shape[shape.length - 1];
    for (let o = 0; o < P.length; o += T) {
      let dot = 0;
      for (let j = 0; j < T; j++) dot += P[o + j] * dP[o + j];
      for (let j = 0; j < T; j++) dS[o + j] = P[o + j] * (dP[o + j] - dot) * scale;
    }
  },
});

const runHeap = (name: string, inputs: Record<string, tf.Tensor>, scale: number) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, { scale }) as tf.Tensor3D;

/**
 * Causal multi-head attention on the c_attn output qkv [B*T, 3C] → merged heads [B*T, C], before
 * c_proj; differentiable in qkv. Any backend computes it; it is fast on wasm (see the header).
 *
 *   xnnCausalAttention(qkv [2*8, 48], 2, 8, 2) → [16, 16]
 */
export function xnnCausalAttention(qkv: tf.Tensor2D, B: number, T: number, nHead: number): tf.Tensor2D {
  const C = qkv.shape[1] / 3;
  const hs = C / nHead;
  const G = B * nHead;
  const scale = 1 / Math.sqrt(hs);
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [y, q4, k4, v4, P] = tf.tidy(() => forward(x));
    save([q4, k4, v4, P]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => backward(dy, saved)),
    };
  });
  /** y [B*T, C], and q, k, v [B, T, nHead, hs] and P [i, G, j] for the backward. */
  function forward(x: tf.Tensor2D): tf.Tensor[] {
    const [q2, k2, v2] = tf.split(x, 3, 1); // 3 x [B*T, C]
    const [q4, k4, v4] = [q2, k2, v2].map((t) => tf.reshape(t, [B, T, nHead, hs])); // [B, T, nHead, hs]
    const xq = tf.reshape(tf.transpose(q4, [1, 3, 0, 2]), [1, T, hs, G]); // [1, i, d, G]
    const fk = tf.reshape(tf.transpose(k4, [3, 0, 2, 1]), [1, hs, G, T]); // [1, d, G, j]
    const scores = runHeap('GptLabCausalScale', { S: dw(xq, fk, T, G, T) }, scale); // [i, G, j]
    const P = tf.softmax(scores, -1); // [i, G, j]
    const xp = tf.reshape(tf.transpose(P, [0, 2, 1]), [1, T, T, G]); // [1, i, j, G]
    const fv = tf.reshape(tf.transpose(v4, [1, 0, 2, 3]), [1, T, G, hs]); // [1, j, G, d]
    const Y = tf.reshape(dw(xp, fv, T, G, hs), [T, B, nHead, hs]); // [i, B, nHead, d]
    const y = tf.reshape(tf.transpose(Y, [1, 0, 2, 3]), [B * T, C]); // [B*T, C]
    return [y, q4, k4, v4, P];
  }
  /** dqkv [B*T, 3C] from dy [B*T, C]. */
  function backward(dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor {
    const [q, k, v, p] = saved; // [B, T, nHead, hs] x 3, [i, G, j]
    const dY = tf.reshape(dy, [B, T, nHead, hs]); // [B, T, nHead, d]
    const toBTHd = (t: tf.Tensor3D) =>
      tf.reshape(tf.transpose(tf.reshape(t, [T, B, nHead, hs]), [1, 0, 2, 3]), [B * T, C]); // [B*T, C]
    // dP[i, g, j] = Σ_d dY[g, i, d] V[g, j, d]
    const dP = dw(tf.reshape(tf.transpose(dY, [1, 3, 0, 2]), [1, T, hs, G]),
      tf.reshape(tf.transpose(v, [3, 0, 2, 1]), [1, hs, G, T]), T, G, T); // [i, G, j]
    const dS = runHeap('GptLabSoftmaxGrad', { P: p, dP }, scale); // [i, G, j]
    // dV[j, g, d] = Σ_i P[i, g, j] dY[g, i, d]
    const dYig = tf.reshape(tf.transpose(dY, [1, 0, 2, 3]), [1, T, G, hs]); // [1, i, G, d]
    const dV = dw(tf.reshape(tf.transpose(p, [2, 0, 1]), [1, T, T, G]), dYig, T, G, hs); // [j, G, d]
    // dQ[i, g, d] = Σ_j dS[i, g, j] K[g, j, d]
    const dQ = dw(tf.reshape(tf.transpose(dS, [0, 2, 1]), [1, T, T, G]),
      tf.reshape(tf.transpose(k, [1, 0, 2, 3]), [1, T, G, hs]), T, G, hs); // [i, G, d]
    // dK[j, g, d] = Σ_i dS[i, g, j] Q[g, i, d]
    const dK = dw(tf.reshape(tf.transpose(dS, [2, 0, 1]), [1, T, T, G]),
      tf.reshape(tf.transpose(q, [1, 0, 2, 3]), [1, T, G, hs]), T, G, hs); // [j, G, d]
    return tf.concat([toBTHd(dQ), toBTHd(dK), toBTHd(dV)], 1); // [B*T, 3C]
  }
  return f(qkv) as tf.Tensor2D;
}
