// Lesson 6 of retrieval: an embedding from the lab's GPT, the untrained baseline.
//
// The simplest sentence embedding a language model gives for free: run the text through it and
// average the final hidden states over its tokens (mean pooling). Nothing trained these vectors to
// put a question near its answer, so they are the baseline a contrastive encoder must beat; the
// same function, on a model trained with infoNCE, is that encoder.
//
// Batches are padded at the end; the GPT is causal, so padding never changes the states of the
// real tokens before it, and the mean leaves padded positions out.
//
// Left out: a projection head, and pooling by the last token only.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { GPT } from '../model';
import { EncoderInfo, weightsFingerprint } from './vector-index';

/** How texts are batched for the model. */
export interface EmbedConfig {
  /** Token id written after short texts (default 0; it never affects the result). */
  padId: number;
  /** Texts per forward pass (default 64). */
  batchSize: number;
}

/**
 * Mean of the final hidden states over each row's first lengths[b] tokens: [B, T] ids → [B, C].
 * Not a tidy of its own result's inputs: call it inside tf.tidy or a gradient function, or dispose it.
 *
 *   meanPooled(model, ids [2, 5], [5, 2]) → [2, C]  (row 1 averages positions 0 and 1 only)
 */
export function meanPooled(model: GPT, ids: tf.Tensor2D, lengths: readonly number[]): tf.Tensor2D {
  const [B, T] = ids.shape;
  assert(lengths.length === B, () => `meanPooled: ${lengths.length} lengths for ${B} rows`);
  for (const n of lengths) assert(Number.isInteger(n) && n >= 1 && n <= T,
    () => `meanPooled: length ${n} must be in 1..${T} (the padded width)`);
  return tf.tidy(() => {
    const h = model.hidden(ids).h; // [B, T, C]
    const len = tf.tensor2d([...lengths], [B, 1]); // [B, 1]
    const mask = tf.cast(tf.less(tf.range(0, T, 1, 'float32').reshape([1, T]), len), 'float32'); // [B, T]
    const sum = tf.sum(tf.mul(h, tf.expandDims(mask, 2)), 1); // [B, C]
    return tf.div(sum, len) as tf.Tensor2D; // [B, C]
  });
}

/**
 * Embeds texts with mean pooling, in batches: [N, C]. Texts longer than the model's blockSize keep
 * their first blockSize tokens.
 *
 *   embedTexts(model, (s) => tok.encode(s), ['Tafa is a smith.', 'Who owns Kiki?']) → [2, C]
 */
export function embedTexts(
  model: GPT, encode: (text: string) => number[], texts: readonly string[], config: Partial<EmbedConfig> = {},
): tf.Tensor2D {
  const c: EmbedConfig = { padId: 0, batchSize: 64, ...config };
  assert(Number.isInteger(c.batchSize) && c.batchSize >= 1,
    () => `embedTexts: batchSize ${c.batchSize} must be a positive integer`);
  assert(texts.length > 0, () => 'embedTexts: no texts');
  const parts: tf.Tensor2D[] = [];
  for (let i = 0; i < texts.length; i += c.batchSize) {
    const rows = texts.slice(i, i + c.batchSize).map((t, j) => {
      const ids = encode(t).slice(0, model.config.blockSize);
      assert(ids.length > 0, () => `embedTexts: text ${i + j} encodes to no tokens; drop empty texts`);
      return ids;
    });
    const T = Math.max(...rows.map((r) => r.length));
    const flat = Int32Array.from(rows.flatMap((r) => [...r, ...new Array<number>(T - r.length).fill(c.padId)]));
    parts.push(tf.tidy(() =>
      meanPooled(model, tf.tensor2d(flat, [rows.length, T], 'int32'), rows.map((r) => r.length))));
  }
  const out = tf.concat(parts, 0) as tf.Tensor2D; // [N, C]
  tf.dispose(parts);
  return out;
}

/**
 * The encoder's identity for a vector index: 'mean-pooled <name>' and a fingerprint of the weights.
 *
 *   meanPooledEncoder(base, 'runs/full/base') → { name: 'mean-pooled runs/full/base', fingerprint: '…16 hex…' }
 */
export function meanPooledEncoder(model: GPT, name: string): EncoderInfo {
  return { name: `mean-pooled ${name}`, fingerprint: weightsFingerprint(model.variables()) };
}
