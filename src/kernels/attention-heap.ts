// Causal self-attention for wasm: attention-xnn.ts's XNNPACK products, with every layout change,
// the scaled and masked softmax and its gradient done by JavaScript passes over the wasm heap.
//
// attention-xnn.ts gets each operand into the layout a depthwise convolution reads with tfjs ops:
// a split, a dozen transposes, a mask add, a scale, a softmax, and in the backward three more
// transposes and a concat, about 50 kernels a layer for the two products forward and four backward.
// Here each layout is one pass that reads q, k, v (or dy) straight out of their [B*T, width] rows:
//   heads(x, column, 'TdG') → [1, T, hs, G],  'dGT' → [1, hs, G, T],  'TGd' → [1, T, G, hs]
// (G = B·nHead, g = b·nHead + h), and the products are those of attention-xnn.ts:
//   S = QKᵀ [i, G, j]:  TdG(q) ⊛ dGT(k);   Y = PV [i, G, d]:  P as [1, i, j, G] ⊛ TGd(v)
//   dP = dY·Vᵀ: TdG(dy) ⊛ dGT(v);  dV = Pᵀ·dY: P as [1, j, i, G] ⊛ TGd(dy)
//   dQ = dS·K: dS as [1, i, j, G] ⊛ TGd(k);  dK = dSᵀ·Q: dS as [1, j, i, G] ⊛ TGd(q)
// The softmax kernel computes P only for keys j <= i (the rest is 0, as exp of the -1e9 mask) and
// writes it in both layouts; its gradient kernel writes Pᵀ, dS and dSᵀ in the layouts above:
//   dS = P ⊙ (dP - Σ_j P ⊙ dP) / sqrt(hs).
// The forward saves qkv and P. About 18 kernels a layer instead of about 50.
// Left out: dropout on the attention weights and the KV cache (src/model/attention.ts keeps other paths).

import * as tf from '@tensorflow/tfjs';
import { registerHeapKernel } from './js-kernel';
import { expNonPositive } from './gelu';
import { assert } from '../util/assert';

/** The three layouts of one head-split operand (see the header). */
export type HeadLayout = 'TdG' | 'dGT' | 'TGd';

interface HeadsAttrs { B: number; T: number; nHead: number; column: number; layout: HeadLayout }

/**
 * Columns [column, column + C) of x [B*T, width] (C = nHead·hs) in one of the layouts; out has B·T·C values.
 *
 *   headsInto(x [1*2, 2] with nHead 1, column 0, 'dGT') → x transposed: out[d·T + t] = x[t, d]
 */
export function headsInto(x: Float32Array, width: number, a: HeadsAttrs, hs: number, out: Float32Array): void {
  const { B, T, nHead: H, column, layout } = a;
  const G = B * H;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * width + column;
      for (let h = 0; h < H; h++) {
        const g = b * H + h;
        const src = row + h * hs;
        if (layout === 'TGd') {
          out.set(x.subarray(src, src + hs), (t * G + g) * hs);
        } else if (layout === 'TdG') {
          const o = t * hs * G + g;
          for (let d = 0; d < hs; d++) out[o + d * G] = x[src + d];
        } else {
          const o = g * T + t;
          for (let d = 0; d < hs; d++) out[o + d * G * T] = x[src + d];
        }
      }
    }
  }
}

registerHeapKernel('GptLabAttnHeads', {
  outputShapes: ([[, width]], attrs) => {
    const { B, T, nHead, layout } = attrs as unknown as HeadsAttrs;
    const { C, column } = attrs as unknown as { C: number; column: number };
    const hs = C / nHead;
    assert(column + C <= width, () => `GptLabAttnHeads: columns [${column}, ${column + C}) do not fit in rows of ${width}`);
    return [layout === 'TdG' ? [1, T, hs, B * nHead] : layout === 'dGT' ? [1, hs, B * nHead, T] : [1, T, B * nHead, hs]];
  },
  run: ([x], [out], [[, width]], attrs) => headsInto(x, width, attrs as unknown as HeadsAttrs, (attrs.C as number) / (attrs.nHead as number), out),
});

registerHeapKernel('GptLabAttnMerge', {
  // n inputs [T, G, hs] (TGd) → [B*T, n·C], input k in columns [k·C, (k+1)·C)
  outputShapes: (shapes, attrs) => [[(attrs.B as number) * (attrs.T as number), shapes.length * shapes[0][1] * shapes[0][2] / (attrs.B as number)]],
  run: (inputs, [out], shapes, attrs) => {
    const B = attrs.B as number, T = attrs.T as number;
    const [, G, hs] = shapes[0];
    const C = (G / B) * hs;
    const width = inputs.length * C;
    inputs.forEach((y, k) => {
      // Y [i, G, hs] with g = b·nHead + h: for each (i, b) one contiguous run of C values
      for (let i = 0; i < T; i++) for (let b = 0; b < B; b++) {
        const src = (i * G + b * (G / B)) * hs;
        out.set(y.subarray(src, src + C), (b * T + i) * width + k * C);
      }
    });
  },
});

registerHeapKernel('GptLabAttnSoftmax', {
  // S [T, G, T] (i, g, j) → P [T, G, T] and P as [1, T(i), T(j), G]
  outputShapes: ([[T, G]]) => [[T, G, T], [1, T, T, G]],
  run: ([S], [P, xp], [[T, G]], attrs) => {
    const scale = attrs.scale as number;
    for (let i = 0; i < T; i++) {
      for (let g = 0; g < G; g++) {
        const o = (i * G + g) * T;
        let mx = -Infinity;
        for (let j = 0; j <= i; j++) mx = Math.max(mx, S[o + j] * scale);
        let sum = 0;
        for (let j = 0; j <= i; j++) { const e = expNonPositive(S[o + j] * scale - mx); P[o + j] = e; sum += e; }
        const inv = 1 / sum;
        for (let j = 0; j <= i; j++) { const p = P[o + j] * inv; P[o + j] = p; xp[(i * T + j) * G + g] = p; }
        for (let j = i + 1; j < T; j++) { P[o + j] = 0; xp[(i * T + j) * G + g] = 0; }
      }
    }
  },
});

registerHeapKernel('GptLabAttnSoftmaxGrad', {
  // P, dP [T, G, T] → Pᵀ [1, T(j), T(i), G], dS [1, T(i), T(j), G], dSᵀ [1, T(j), T(i), G]
  outputShapes: ([[T, G]]) => [[1, T, T, G], [1, T, T, G], [1, T, T, G]],
  run: ([P, dP], [pT, dS, dST], [[T, G]], attrs) => {
    const scale = attrs.scale as number;
    for (let i = 0; i < T; i++) {
      for (let g = 0; g < G; g++) {
        const o = (i * G + g) * T;
        let dot = 0;
        for (let j = 0; j <= i; j++) dot += P[o + j] * dP[o + j];
        for (let j = 0; j < T; j++) {
          const p = j <= i ? P[o + j] : 0;
          const ds = j <= i ? p * (dP[o + j] - dot) * scale : 0;
          const ij = (i * T + j) * G + g;
          const ji = (j * T + i) * G + g;
          pT[ji] = p;
          dS[ij] = ds;
          dST[ji] = ds;
        }
      }
    }
  },
});

/** x [1, M, K, G] ⊛ f [1, K, G, N] → [M, G, N]: G products of [M, K]·[K, N] through XNNPACK. */
function dw(x: tf.Tensor, f: tf.Tensor, M: number, G: number, N: number): tf.Tensor3D {
  return tf.reshape(tf.depthwiseConv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid'), [M, G, N]); // [M, G, N]
}

/**
 * Causal multi-head attention on the c_attn output qkv [B*T, 3C] → merged heads [B*T, C], before
 * c_proj; differentiable in qkv. Any backend with depthwiseConv2d computes it; it is meant for wasm.
 *
 *   heapCausalAttention(qkv [2*8, 48], 2, 8, 2) → [16, 16]
 */
export function heapCausalAttention(qkv: tf.Tensor2D, B: number, T: number, nHead: number): tf.Tensor2D {
  const C = qkv.shape[1] / 3;
  const hs = C / nHead;
  const G = B * nHead;
  const scale = 1 / Math.sqrt(hs);
  const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) =>
    tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  const heads = (x: tf.Tensor, column: number, layout: HeadLayout) => run('GptLabAttnHeads', { x }, { B, T, nHead, C, column, layout }) as tf.Tensor;
  const merge = (...ys: tf.Tensor[]) => run('GptLabAttnMerge', ys as unknown as Record<string, tf.Tensor>, { B, T }) as tf.Tensor2D;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [y, P] = tf.tidy(() => {
      const S = dw(heads(x, 0, 'TdG'), heads(x, C, 'dGT'), T, G, T); // [i, G, j]
      const [p, xp] = run('GptLabAttnSoftmax', { S }, { scale }) as tf.Tensor[]; // [i, G, j], [1, i, j, G]
      return [merge(dw(xp, heads(x, 2 * C, 'TGd'), T, G, hs)), p]; // [B*T, C], [i, G, j]
    });
    save([x, P]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.tidy(() => {
        const [xs, p] = saved; // [B*T, 3C], [i, G, j]
        const dP = dw(heads(dy, 0, 'TdG'), heads(xs, 2 * C, 'dGT'), T, G, T); // [i, G, j]
        const [pT, dS, dST] = run('GptLabAttnSoftmaxGrad', { P: p, dP }, { scale }) as tf.Tensor[]; // [1, j, i, G], [1, i, j, G], [1, j, i, G]
        const dQ = dw(dS, heads(xs, C, 'TGd'), T, G, hs); // [i, G, d]
        const dK = dw(dST, heads(xs, 0, 'TGd'), T, G, hs); // [j, G, d]
        const dV = dw(pT, heads(dy, 0, 'TGd'), T, G, hs); // [j, G, d]
        return merge(dQ, dK, dV); // [B*T, 3C]
      }),
    };
  });
  return f(qkv) as tf.Tensor2D;
}
