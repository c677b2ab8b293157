// A KV cache for incremental decoding: each layer's keys and values of the tokens seen so far, so a
// new token costs one position of compute instead of a full forward pass over the context.
//
//   const cache = new KVCache(model);
//   let logits = cache.append([5, 3, 9]);   // prefill: the logits after the last prompt token
//   logits = cache.append([7]);             // one more token
//   cache.dispose();
//
// When the context would pass blockSize, the cache slides: it keeps the last `keep` tokens and
// recomputes them from position 0 (the model has no position embeddings past blockSize).
// subtle: so after a slide the logits are those of a fresh forward pass over the kept window, which
// differs from nanoGPT's generate (it re-crops to the last blockSize tokens at every step, paying a
// full forward each time).
// Left out: batched decoding of several sequences, paged or quantized caches.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { GPT, LayerKV } from '../model';

export class KVCache {
  /** Per-layer keys and values, [1, nHead, length, headSize]; empty before the first append. */
  private kv: LayerKV[] = [];
  /** The tokens whose keys/values are cached, in order. */
  private tokens: number[] = [];
  /** How many tokens a slide keeps. */
  readonly keep: number;

  constructor(readonly model: GPT, keep?: number) {
    const T = model.config.blockSize;
    this.keep = keep ?? Math.max(1, Math.floor(T / 2));
    assert(this.keep >= 1 && this.keep < T, () => `keep (${this.keep}) must be in 1..blockSize-1 (${T - 1})`);
  }

  /** Number of cached positions. */
  get length(): number {
    return this.tokens.length;
  }

  /**
   * Feeds tokens and returns the logits [V] after the last one, sliding first if they do not fit.
   *
   *   cache.append([1, 2, 3]) → Float32Array(vocabSize), equal to forward([1, 2, 3])[2] within float error
   */
  append(ids: number[]): Float32Array {
    assert(ids.length > 0, () => 'KVCache.append: pass at least one token');
    const T = this.model.config.blockSize;
    if (this.tokens.length + ids.length > T) {
      const all = [...this.tokens, ...ids];
      this.reset();
      return this.run(all.slice(-Math.min(T, Math.max(this.keep, ids.length))));
    }
    return this.run(ids);
  }

  private run(ids: number[]): Float32Array {
    const [h, ...flat] = tf.tidy(() => {
      const idx = tf.tensor2d(ids, [1, ids.length], 'int32'); // [1, Tn]
      const out = this.model.hidden(idx, { cache: this.kv.length > 0 ? this.kv : undefined, keepKV: true });
      const last = tf.slice(out.h, [0, ids.length - 1, 0], [1, 1, this.model.config.nEmbd]) as tf.Tensor3D; // [1, 1, C]
      return [this.model.head(last), ...out.kv.flatMap((l) => [l.k, l.v])]; // [1, 1, V], then k, v per layer
    });
    const kv: LayerKV[] = [];
    for (let i = 0; i < flat.length; i += 2) kv.push({ k: flat[i] as tf.Tensor4D, v: flat[i + 1] as tf.Tensor4D });
    tf.dispose(this.kv.flatMap((l) => [l.k, l.v]));
    this.kv = kv;
    this.tokens.push(...ids);
    const logits = h.dataSync() as Float32Array;
    h.dispose();
    return logits;
  }

  /** Forgets every cached position. */
  reset(): void {
    tf.dispose(this.kv.flatMap((l) => [l.k, l.v]));
    this.kv = [];
    this.tokens = [];
  }

  /** Frees the cached tensors. */
  dispose(): void {
    this.reset();
  }
}
