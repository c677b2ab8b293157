// Causal self-attention as one fused kernel (and one for its gradient), in JavaScript for cpu/wasm.
//
// The unfused attention (src/model/attention.ts) splits q, k, v out of the c_attn output, transposes
// them to [B, nHead, T, headSize], multiplies QKᵀ, scales, adds the causal mask, takes a softmax,
// multiplies by V and transposes back: a dozen kernels forward and more backward, and on wasm the
// batched matmuls run in a naive loop at a tenth of XNNPACK's speed. Here one pass reads the
// [B*T, 3C] c_attn output in place and writes the merged [B*T, C] heads; it computes only the causal
// half (key j <= query i), so it does half the multiply-adds.
//
//   fusedCausalAttention(qkv [B*T, 3C], B, T, nHead) → y [B*T, C]   (differentiable in qkv)
//
// Forward, per batch row b, head h, query i:  s_j = q_i·k_j / sqrt(hs) for j <= i,
//   p = softmax(s), y_i = Σ_j p_j v_j.  The probabilities P [B*nHead, T, T] are kept for the backward:
//   dv_j += p_ij dy_i,  dp_ij = dy_i·v_j,  ds_ij = p_ij (dp_ij - Σ_j' p_ij' dp_ij'),
//   dq_i = Σ_j ds_ij k_j / sqrt(hs),  dk_j += ds_ij q_i / sqrt(hs).
// Each head's q, k, v are first copied into contiguous [T, headSize] arrays. Dot products sum in
// float64 (JavaScript numbers), so results differ from the float32 composition only in the last bits.
// Left out: dropout on the attention weights and the KV cache (the model keeps the unfused path for
// both), and flash-style tiling (T is small here).

import * as tf from '@tensorflow/tfjs';
import { registerJsKernel, runJsKernel } from './js-kernel';

interface AttnAttrs { B: number; T: number; nHead: number }

function attrsOf(a: Record<string, unknown>): AttnAttrs {
  return { B: a.B as number, T: a.T as number, nHead: a.nHead as number };
}

/** Copies head h of q, k and v of batch row b out of qkv [B*T, 3C] into contiguous [T, hs] arrays. */
function gatherHead(
  qkv: Float32Array, b: number, h: number, T: number, C: number, hs: number, q: Float32Array, k: Float32Array,
  v: Float32Array,
): void {
  const C3 = 3 * C;
  for (let t = 0; t < T; t++) {
    const src = (b * T + t) * C3 + h * hs;
    const dst = t * hs;
    for (let d = 0; d < hs; d++) {
      q[dst + d] = qkv[src + d];
      k[dst + d] = qkv[src + C + d];
      v[dst + d] = qkv[src + 2 * C + d];
    }
  }
}

/** a[ao..ao+n) · b[bo..bo+n), four partial sums (n is headSize, usually a multiple of 4). */
function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  let d = 0;
  for (; d + 3 < n; d += 4) {
    s0 += a[ao + d] * b[bo + d];
    s1 += a[ao + d + 1] * b[bo + d + 1];
    s2 += a[ao + d + 2] * b[bo + d + 2];
    s3 += a[ao + d + 3] * b[bo + d + 3];
  }
  for (; d < n; d++) s0 += a[ao + d] * b[bo + d];
  return (s0 + s1) + (s2 + s3);
}

/** out[oo..oo+n) += c · x[xo..xo+n). */
function axpy(out: Float32Array, oo: number, c: number, x: Float32Array, xo: number, n: number): void {
  for (let d = 0; d < n; d++) out[oo + d] += c * x[xo + d];
}

registerJsKernel('GptLabCausalAttention', ([qkv], [shape], attrs) => {
  const { B, T, nHead: H } = attrsOf(attrs);
  const C = shape[1] / 3;
  const hs = C / H;
  const scale = 1 / Math.sqrt(hs);
  const y = new Float32Array(B * T * C); // [B*T, C]
  const P = new Float32Array(B * H * T * T); // [B*H, T, T], zero above the diagonal
  const q = new Float32Array(T * hs), k = new Float32Array(T * hs), v = new Float32Array(T * hs); // [T, hs] each
  const acc = new Float32Array(hs);
  const row = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gatherHead(qkv, b, h, T, C, hs, q, k, v);
      const pHead = (b * H + h) * T * T;
      for (let i = 0; i < T; i++) {
        let mx = -Infinity;
        for (let j = 0; j <= i; j++) {
          const s = dot(q, i * hs, k, j * hs, hs) * scale;
          row[j] = s;
          if (s > mx) mx = s;
        }
        let sum = 0;
        for (let j = 0; j <= i; j++) { const e = Math.exp(row[j] - mx); row[j] = e; sum += e; }
        const inv = 1 / sum;
        const pRow = pHead + i * T;
        acc.fill(0);
        for (let j = 0; j <= i; j++) {
          const p = row[j] * inv;
          P[pRow + j] = p;
          axpy(acc, 0, p, v, j * hs, hs);
        }
        y.set(acc, (b * T + i) * C + h * hs);
      }
    }
  }
  return [{ shape: [B * T, C], values: y }, { shape: [B * H, T, T], values: P }];
});

registerJsKernel('GptLabCausalAttentionGrad', ([dy, qkv, P], [, shape], attrs) => {
  const { B, T, nHead: H } = attrsOf(attrs);
  const C3 = shape[1];
  const C = C3 / 3;
  const hs = C / H;
  const scale = 1 / Math.sqrt(hs);
  const dqkv = new Float32Array(B * T * C3); // [B*T, 3C]
  const q = new Float32Array(T * hs), k = new Float32Array(T * hs), v = new Float32Array(T * hs);
  const dq = new Float32Array(T * hs), dk = new Float32Array(T * hs), dv = new Float32Array(T * hs);
  const g = new Float32Array(T * hs); // dy of this head, [T, hs]
  const dp = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      gatherHead(qkv, b, h, T, C, hs, q, k, v);
      for (let t = 0; t < T; t++) {
        const src = (b * T + t) * C + h * hs;
        for (let d = 0; d < hs; d++) g[t * hs + d] = dy[src + d];
      }
      dq.fill(0); dk.fill(0); dv.fill(0);
      const pHead = (b * H + h) * T * T;
      for (let i = 0; i < T; i++) {
        const pRow = pHead + i * T;
        let sumPdp = 0;
        for (let j = 0; j <= i; j++) {
          const p = P[pRow + j];
          const s = dot(g, i * hs, v, j * hs, hs); // dp_ij = dy_i · v_j
          dp[j] = s;
          sumPdp += p * s;
          axpy(dv, j * hs, p, g, i * hs, hs); // dv_j += p_ij dy_i
        }
        for (let j = 0; j <= i; j++) {
          const ds = P[pRow + j] * (dp[j] - sumPdp) * scale;
          if (ds === 0) continue;
          axpy(dq, i * hs, ds, k, j * hs, hs); // dq_i += ds_ij k_j
          axpy(dk, j * hs, ds, q, i * hs, hs); // dk_j += ds_ij q_i
        }
      }
      for (let t = 0; t < T; t++) {
        const dst = (b * T + t) * C3 + h * hs;
        for (let d = 0; d < hs; d++) {
          dqkv[dst + d] = dq[t * hs + d];
          dqkv[dst + C + d] = dk[t * hs + d];
          dqkv[dst + 2 * C + d] = dv[t * hs + d];
        }
      }
    }
  }
  return [{ shape: [B * T, C3], values: dqkv }];
});

/**
 * Causal multi-head attention on the c_attn output qkv [B*T, 3C] (q, k, v side by side, heads
 * contiguous within each) → the merged heads [B*T, C], before c_proj. cpu and wasm only.
 *
 *   fusedCausalAttention(qkv [2*8, 48], 2, 8, 2) → [16, 16]
 */
export function fusedCausalAttention(qkv: tf.Tensor2D, B: number, T: number, nHead: number): tf.Tensor2D {
  const attrs = { B, T, nHead };
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    const [y, P] = runJsKernel('GptLabCausalAttention', { qkv: x }, attrs); // [B*T, C], [B*nHead, T, T]
    save([x, P]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        runJsKernel('GptLabCausalAttentionGrad', { dy, qkv: saved[0], P: saved[1] }, attrs),
    };
  });
  return f(qkv) as tf.Tensor2D;
}
