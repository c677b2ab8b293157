// One transformer block, pre-LayerNorm as GPT-2: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
// The residual stream x passes through untouched; each half only adds to it.
// Left out: parallel attention/MLP (GPT-J), post-LN (the original transformer).

import * as tf from '@tensorflow/tfjs';
import { GPTConfig } from './config';
import { BlockParams } from './params';
import { layerNorm } from './layernorm';
import { causalSelfAttention, LayerKV } from './attention';
import { mlp } from './mlp';
import { DropoutContext } from './dropout';

/**
 * One block on x [B, T, C]; with `cache`, attention also sees the cached keys/values.
 *
 *   block(x [2, 8, 16], params.blocks[0], tiny config, 0) → { x: [2, 8, 16], kv: undefined }
 */
export function block(
  x: tf.Tensor3D, p: BlockParams, c: GPTConfig, layer: number, dropout?: DropoutContext, cache?: LayerKV,
  keepKV = false,
): { x: tf.Tensor3D; kv?: LayerKV } {
  const a = causalSelfAttention(layerNorm(x, p.ln1g, p.ln1b) as tf.Tensor3D, p, c, layer, dropout, cache, keepKV);
  const x1 = tf.add(x, a.y) as tf.Tensor3D; // [B, T, C]
  const x2 = tf.add(
    x1, mlp(layerNorm(x1, p.ln2g, p.ln2b) as tf.Tensor3D, p, layer, dropout)) as tf.Tensor3D; // [B, T, C]
  return { x: x2, kv: a.kv };
}
