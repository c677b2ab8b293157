// Causal multi-head self-attention: each position mixes the values of itself and earlier positions,
// weighted by softmax(q·k / sqrt(headSize)). One function, one place, so a fused kernel can replace it.
//
// It takes an optional cache of earlier keys and values (incremental decoding): the new tokens'
// queries then attend to the cached positions plus themselves. Without a cache it is the plain
// full-sequence attention of training.
// On cpu, training and evaluation without a cache run one fused kernel instead
// (src/kernels/attention.ts); on wasm the two batched products go through XNNPACK
// (src/kernels/batch-matmul.ts). GPTLAB_FUSED=0 keeps the plain composition everywhere.
// Left out: flash attention (a later speed issue), rotary embeddings, grouped-query attention.

import * as tf from '@tensorflow/tfjs';
import { GPTConfig } from './config';
import { BlockParams } from './params';
import { applyDropout, DropoutContext } from './dropout';
import { linear } from './linear';
import { useFused } from '../kernels/fused';
import { fusedCausalAttention } from '../kernels/attention';
import { batchMatMul } from '../kernels/batch-matmul';
import { xnnCausalAttention } from '../kernels/attention-xnn';

/** Keys and values of the positions seen so far, per layer. */
export interface LayerKV {
  k: tf.Tensor4D; // [B, nHead, Tpast, headSize]
  v: tf.Tensor4D; // [B, nHead, Tpast, headSize]
}

/** Large enough that exp() underflows to 0; finite so masked rows never produce NaN gradients. */
const MASKED = -1e9;

/**
 * The additive causal mask for Tq new queries after `past` cached positions: query i (absolute
 * position past + i) may see keys 0..past + i.
 *
 *   causalMask(2, 1) → [[0, 0, -1e9], [0, 0, 0]]
 */
export function causalMask(tq: number, past: number): tf.Tensor2D {
  const tk = past + tq;
  const m = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = past + i + 1; j < tk; j++) m[i * tk + j] = MASKED;
  return tf.tensor2d(m, [tq, tk]); // [Tq, Tk]
}

/** [B, T, C] → [B, nHead, T, headSize]. */
function splitHeads(x: tf.Tensor, nHead: number): tf.Tensor4D {
  const [B, T, C] = x.shape;
  return tf.transpose(tf.reshape(x, [B, T, nHead, C / nHead]), [0, 2, 1, 3]); // [B, nHead, T, headSize]
}

/**
 * Attention of one block on x (already LayerNormed). With `cache`, prepends the cached keys/values
 * and returns the extended ones in `kv` (the caller keeps them); without one, returns them only if
 * `keepKV` (the first pass of incremental decoding).
 *
 *   causalSelfAttention(x [2, 8, 16], block, tiny config, 0, undefined, undefined, true)
 *     → { y: [2, 8, 16], kv: { k: [2, 2, 8, 8], v: ... } }
 */
export function causalSelfAttention(
  x: tf.Tensor3D, p: BlockParams, c: GPTConfig, layer: number, dropout?: DropoutContext, cache?: LayerKV,
  keepKV = false,
): { y: tf.Tensor3D; kv?: LayerKV } {
  const [B, T, C] = x.shape;
  const hs = C / c.nHead;
  const qkv = linear(tf.reshape(x, [B * T, C]), p.attnW, p.attnB, p.lora?.attn); // [B*T, 3C]
  // q, k, v (from 0) or k, v (from 1) as [B, nHead, T, headSize] each, split out of qkv.
  const qkvHeads = (from: 0 | 1) =>
    tf.split(tf.reshape(qkv, [B, T, 3 * C]), 3, 2).slice(from).map((t) => splitHeads(t, c.nHead));
  const noAttnDropout = !(dropout !== undefined && dropout.rate > 0);
  let merged: tf.Tensor2D; // [B*T, C]
  let kv: LayerKV | undefined;
  if (cache === undefined && noAttnDropout && (useFused('attention') || useFused('xnnAttention'))) {
    // Training and full-sequence evaluation: one fused kernel on cpu (src/kernels/attention.ts),
    // XNNPACK convolutions in matching layouts on wasm (src/kernels/attention-xnn.ts).
    const fused = useFused('attention') ? fusedCausalAttention : xnnCausalAttention;
    merged = fused(qkv as tf.Tensor2D, B, T, c.nHead); // [B*T, C]
    if (keepKV) {
      // The keys and values, for callers that keep them (generation starts its cache from them).
      const [k, v] = qkvHeads(1);
      kv = { k, v };
    }
  } else {
    let [q, k, v] = qkvHeads(0); // [B, nHead, T, headSize] each
    const past = cache === undefined ? 0 : cache.k.shape[2];
    if (cache !== undefined) {
      k = tf.concat([cache.k, k], 2); // [B, nHead, past+T, headSize]
      v = tf.concat([cache.v, v], 2); // [B, nHead, past+T, headSize]
    }
    // subtle: on wasm the batched products go through XNNPACK (src/kernels/batch-matmul.ts), not tf.matMul's
    // naive loop.
    const bmm = useFused('batchMatMul') ? batchMatMul : tf.matMul;
    const scores = tf.mul(bmm(q, k, false, true), 1 / Math.sqrt(hs)); // [B, nHead, T, past+T]
    const att = applyDropout(
      tf.softmax(tf.add(scores, causalMask(T, past)), -1), dropout, layer, 'attnWeights'); // [B, nHead, T, past+T]
    const heads = bmm(att, v); // [B, nHead, T, headSize]
    merged = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [B * T, C]) as tf.Tensor2D; // [B*T, C]
    kv = cache !== undefined || keepKV ? { k: k as tf.Tensor4D, v: v as tf.Tensor4D } : undefined;
  }
  const out = linear(merged, p.attnProjW, p.attnProjB, p.lora?.attnProj); // [B*T, C]
  const y = applyDropout(tf.reshape(out, [B, T, C]), dropout, layer, 'attnResid') as tf.Tensor3D; // [B, T, C]
  return { y, kv };
}
