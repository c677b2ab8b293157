// Generating text: feed the prompt, then repeatedly pick a token and feed it back, until maxTokens
// or a stop token. With the KV cache (the default) each new token costs one position; without it,
// every step runs the model over the last blockSize tokens, as nanoGPT's generate.
// Left out: batched generation, streaming detokenization (pass onToken and decode yourself).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { Rng } from '../data/rng';
import { GPT } from '../model';
import { KVCache } from './kvcache';
import { checkPickOptions, pickToken, PickOptions } from './pick';

/** Everything generate takes besides the model and the prompt. */
export interface GenerateOptions extends PickOptions {
  /** Most new tokens to produce. */
  maxTokens: number;
  /** Seeds the draws: the same seed, model and prompt give the same tokens. Default 1337. */
  seed?: number;
  /** Tokens that end generation; the stop token is included in the output. */
  stopTokens?: number[];
  /** Use the KV cache (default true). */
  useCache?: boolean;
  /** Called with each new token as it is picked. */
  onToken?: (id: number) => void;
}

/** Checks a prompt's ids against the model's vocabulary. */
function checkPrompt(model: GPT, prompt: number[]): void {
  assert(prompt.length > 0, () => 'generate: the prompt is empty; pass at least one token (e.g. a newline)');
  const V = model.config.vocabSize;
  prompt.forEach((id, i) => assert(Number.isInteger(id) && id >= 0 && id < V,
    () => `generate: prompt token ${id} at position ${i} is outside 0..${V - 1}`));
}

/** Logits [V] after the last of the last blockSize tokens, with a full forward pass. */
export function lastLogits(model: GPT, ids: number[]): Float32Array {
  const ctx = ids.slice(-model.config.blockSize);
  return tf.tidy(() => {
    const logits = model.forward(tf.tensor2d(ctx, [1, ctx.length], 'int32')); // [1, T, V]
    return tf.slice(logits, [0, ctx.length - 1, 0], [1, 1, model.config.vocabSize]).dataSync() as Float32Array;
  });
}

/**
 * The new tokens (not the prompt) that the model writes after `prompt`.
 *
 *   generate(model, vocab.encode('ROMEO:'), { maxTokens: 100, temperature: 0.8, topK: 40, seed: 1 }) → number[]
 */
export function generate(model: GPT, prompt: number[], opts: GenerateOptions): number[] {
  checkPrompt(model, prompt);
  checkPickOptions(opts);
  assert(Number.isSafeInteger(opts.maxTokens) && opts.maxTokens >= 0,
    () => `maxTokens (${opts.maxTokens}) must be a non-negative integer`);
  const rng = new Rng(opts.seed ?? 1337);
  const stops = new Set(opts.stopTokens ?? []);
  const out: number[] = [];
  const useCache = opts.useCache ?? true;
  const cache = useCache ? new KVCache(model) : undefined;
  try {
    const all = [...prompt];
    let logits = cache ? cache.append(prompt.slice(-model.config.blockSize)) : lastLogits(model, all);
    while (out.length < opts.maxTokens) {
      const id = pickToken(logits, opts, rng);
      out.push(id);
      all.push(id);
      opts.onToken?.(id);
      if (stops.has(id) || out.length === opts.maxTokens) break;
      logits = cache ? cache.append([id]) : lastLogits(model, all);
    }
  } finally {
    cache?.dispose();
  }
  return out;
}
