// Looking inside a GPT: the attention probabilities of one head, for drawing as a heatmap.
//
// The forward pass keeps no intermediate tensors (and should not), so this recomputes them from the
// model's own parameters with the same functions the forward pass uses: embeddings, `block` for the
// layers before, `layerNorm` with ln_1, then q and k from c_attn, and `causalMask`.
// Left out: attention with a KV cache or dropout (eval mode only), other internals (MLP activations).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { GPT } from './gpt';
import { block } from './block';
import { layerNorm } from './layernorm';
import { causalMask } from './attention';
import { addBias, matMul2d } from './linear';

/**
 * The residual stream [1, T, C] entering block `layer` for a sequence of ids (eval mode).
 * Not tidied: callers wrap it.
 */
function residualBefore(model: GPT, ids: number[], layer: number): tf.Tensor3D {
  const c = model.config;
  const T = ids.length;
  const tok = tf.gather(model.params.wte, tf.tensor1d(ids, 'int32')); // [T, C]
  const pos = tf.slice(model.params.wpe, [0, 0], [T, c.nEmbd]); // [T, C]
  let x = tf.reshape(tf.add(tok, pos), [1, T, c.nEmbd]) as tf.Tensor3D; // [1, T, C]
  for (let i = 0; i < layer; i++) x = block(x, model.params.blocks[i], c, i).x; // [1, T, C]
  return x;
}

/**
 * Every head's attention probabilities in block `layer` for one sequence: [nHead, T, T], row i =
 * query position i, column j = key position j; zero above the diagonal, each row sums to 1.
 *
 *   attentionProbs(model, [3, 1, 4], 1) → [nHead, 3, 3]
 */
export function attentionProbs(model: GPT, ids: number[], layer: number): tf.Tensor3D {
  const c = model.config;
  const T = ids.length;
  assert(T > 0 && T <= c.blockSize, () => `attentionProbs: ${T} tokens; pass 1..blockSize (${c.blockSize})`);
  assert(Number.isInteger(layer) && layer >= 0 && layer < c.nLayer,
    () => `attentionProbs: layer ${layer} is outside 0..${c.nLayer - 1}`);
  ids.forEach((id, i) => assert(Number.isInteger(id) && id >= 0 && id < c.vocabSize,
    () => `attentionProbs: token ${id} at position ${i} is outside 0..${c.vocabSize - 1}`));
  return tf.tidy(() => {
    const p = model.params.blocks[layer];
    const C = c.nEmbd;
    const hs = C / c.nHead;
    const x = layerNorm(residualBefore(model, ids, layer), p.ln1g, p.ln1b); // [1, T, C]
    const qkv = addBias(matMul2d(tf.reshape(x, [T, C]), p.attnW as tf.Tensor2D), p.attnB); // [T, 3C]
    const [q2, k2] = tf.split(qkv, 3, 1); // 2 x [T, C] (v is not needed)
    const q = tf.transpose(tf.reshape(q2, [T, c.nHead, hs]), [1, 0, 2]); // [nHead, T, headSize]
    const k = tf.transpose(tf.reshape(k2, [T, c.nHead, hs]), [1, 0, 2]); // [nHead, T, headSize]
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(hs)); // [nHead, T, T]
    return tf.softmax(tf.add(scores, causalMask(T, 0)), -1) as tf.Tensor3D; // [nHead, T, T]
  });
}

/**
 * One head's attention probabilities as nested arrays [T][T] (rows = queries), ready for a heatmap.
 *
 *   headAttention(model, vocab.encode('To be'), model.config.nLayer - 1, 0) → 5 rows of 5 numbers
 */
export function headAttention(model: GPT, ids: number[], layer: number, head: number): number[][] {
  assert(Number.isInteger(head) && head >= 0 && head < model.config.nHead,
    () => `headAttention: head ${head} is outside 0..${model.config.nHead - 1}`);
  const all = attentionProbs(model, ids, layer);
  try {
    return (all.arraySync() as number[][][])[head];
  } finally {
    all.dispose();
  }
}
