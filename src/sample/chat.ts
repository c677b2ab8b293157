// Sampling, part 4: asking a chat model questions, many at once (SFT, the reward model's data and RLHF
// all sample through here).
//
// A prompt is the conversation so far, rendered, then <|assistant_start|>: the cue that the
// assistant speaks next. The model writes until <|assistant_end|> (a trained SFT model says when it
// is done), or until maxTokens or the end of its context. A base model was never shown these
// tokens; it continues the text as a document would, so it stops at <|endoftext|> too.
//
// Prompts differ in length, and the model has no padding mask, so rows are never padded. Instead all
// rows start at position 0 with a shared KV cache: the shortest prompt is read in one pass, then
// every step feeds one token per row — the row's next prompt token while it still has prompt left
// (its sample is ignored), else the token it just picked. Each row sees exactly its own tokens at
// its own positions, as if it were generated alone, at the price of a few steps per extra prompt
// token. Each row draws from its own Rng(hashSeed(seed, row)), so a reply does not depend on which
// other prompts share its batch. temperature 0 (the default) is greedy.
// Left out: tool calls during generation (the calculator task), beam search.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { Conversation, renderConversation, renderPrompt } from '../data/conversation';
import { Rng, hashSeed } from '../data/rng';
import { GPT, LayerKV } from '../model';
import { checkPickOptions, pickToken, PickOptions } from './pick';

/** A model with the tokenizer it reads through: what every chat stage hands on. */
export interface ChatModel {
  model: GPT;
  tok: ChatTokenizer;
}

/** How replies are sampled. */
export interface ReplyOptions extends PickOptions {
  /** Most tokens per reply (default: as many as the context allows). */
  maxTokens?: number;
  /** Seeds the draws (default 1337); row i uses Rng(hashSeed(seed, i)). */
  seed?: number;
  /** Rows decoded together (default 32); only speed and memory depend on it. */
  batchSize?: number;
}

/** One sampled reply. */
export interface SampledReply {
  /** The prompt's ids (ending in <|assistant_start|>). */
  promptIds: number[];
  /** The reply's ids, including the stop token when there is one. */
  ids: number[];
  /** The reply's text, without the stop token. */
  text: string;
  /** True when the reply ended with a stop token, false when it ran out of tokens or context. */
  stopped: boolean;
}

/**
 * The ids a model reads before it answers: the conversation (without a final assistant message, if
 * it has one), then <|assistant_start|>.
 *
 *   promptIds(tok, { messages: [user('hi')] }) → [bos, user_start, 'h', 'i', user_end, assistant_start]
 */
export function promptIds(tok: ChatTokenizer, prompt: Conversation): number[] {
  const chat = chatTokens(tok);
  const last = prompt.messages[prompt.messages.length - 1];
  if (last?.role === 'assistant') return renderPrompt(prompt, chat);
  return [...renderConversation(prompt, chat).ids, chat.assistantStart];
}

/** The tokens that end a reply: <|assistant_end|>, and for a base model <|endoftext|> or a new turn. */
export function stopTokens(tok: ChatTokenizer): number[] {
  return ['<|assistant_end|>', '<|endoftext|>', '<|user_start|>', '<|bos|>'].map((s) => tok.special(s));
}

/**
 * Samples continuations of token prompts in one batch; each stops at a stop token, after maxTokens,
 * or when the context is full. Returns the new ids of each row and whether it stopped.
 *
 *   continueBatch(model, [[1, 2, 3], [4, 5]], { stop: [9], maxTokens: 5, temperature: 0 })
 *     → [{ ids: [...up to 5], stopped }, { ids, stopped }]
 */
export function continueBatch(model: GPT, prompts: readonly number[][], opts: { stop: readonly number[]; maxTokens: number; seed?: number } & PickOptions,
  rowSeeds?: readonly number[]): { ids: number[]; stopped: boolean }[] {
  const T = model.config.blockSize;
  const V = model.config.vocabSize;
  const B = prompts.length;
  prompts.forEach((p, b) => {
    assert(p.length > 0, () => `prompt ${b} is empty; pass at least one token`);
    assert(p.length < T, () => `prompt ${b} has ${p.length} tokens, which leaves no room for a reply in blockSize ${T}; shorten it`);
    p.forEach((id, i) => assert(Number.isInteger(id) && id >= 0 && id < V, () => `prompt ${b}: token ${id} at position ${i} is outside 0..${V - 1}`));
  });
  const stop = new Set(opts.stop);
  const rngs = prompts.map((_, b) => new Rng(hashSeed(opts.seed ?? 1337, rowSeeds?.[b] ?? b)));
  const out = prompts.map(() => ({ ids: [] as number[], stopped: false }));
  const done = prompts.map(() => opts.maxTokens <= 0);
  const minLen = Math.min(...prompts.map((p) => p.length));
  let kv: LayerKV[] = [];
  // Feeds idx [B, n] at the next positions; returns the logits after its last column, [B * V].
  const feed = (idx: Int32Array, n: number): Float32Array => {
    const [logits, ...flat] = tf.tidy(() => {
      const x = tf.tensor2d(idx, [B, n], 'int32'); // [B, n]
      const o = model.hidden(x, { cache: kv.length > 0 ? kv : undefined, keepKV: true });
      const last = tf.slice(o.h, [0, n - 1, 0], [B, 1, model.config.nEmbd]) as tf.Tensor3D; // [B, 1, C]
      return [model.head(last), ...o.kv.flatMap((l) => [l.k, l.v])]; // [B, 1, V], then k, v per layer
    });
    tf.dispose(kv.flatMap((l) => [l.k, l.v]));
    kv = [];
    for (let i = 0; i < flat.length; i += 2) kv.push({ k: flat[i] as tf.Tensor4D, v: flat[i + 1] as tf.Tensor4D });
    const data = logits.dataSync() as Float32Array;
    logits.dispose();
    return data;
  };
  try {
    const first = new Int32Array(B * minLen);
    prompts.forEach((p, b) => first.set(p.slice(0, minLen), b * minLen));
    let logits = feed(first, minLen); // predicts position minLen
    for (let pos = minLen; ; pos++) {
      const next = new Int32Array(B);
      let active = false;
      for (let b = 0; b < B; b++) {
        const p = prompts[b];
        if (done[b]) continue;
        if (pos < p.length) { // still reading its prompt: ignore the prediction, feed the prompt token
          next[b] = p[pos];
          active = true;
          continue;
        }
        const id = pickToken(logits.subarray(b * V, (b + 1) * V), opts, rngs[b]);
        out[b].ids.push(id);
        next[b] = id;
        if (stop.has(id)) {
          out[b].stopped = true;
          done[b] = true;
        } else if (out[b].ids.length >= opts.maxTokens || pos >= T) {
          done[b] = true; // subtle: a token at position T was predicted from a full context but cannot be read
        } else {
          active = true;
        }
      }
      if (!active) break;
      logits = feed(next, 1); // predicts position pos + 1
    }
  } finally {
    tf.dispose(kv.flatMap((l) => [l.k, l.v]));
  }
  return out;
}

/**
 * Samples one reply per prompt conversation, in batches of opts.batchSize.
 *
 *   sampleReplies(sftModel, tok, [{ messages: [user('Where is Dusem?')] }])[0].text → 'Dusem is in the north.'
 */
export function sampleReplies(model: GPT, tok: ChatTokenizer, prompts: readonly Conversation[], opts: ReplyOptions = {}): SampledReply[] {
  const pick = { temperature: 0, ...opts };
  checkPickOptions(pick);
  const batchSize = opts.batchSize ?? 32;
  assert(Number.isSafeInteger(batchSize) && batchSize > 0, () => `batchSize (${batchSize}) must be a positive integer`);
  const maxTokens = opts.maxTokens ?? model.config.blockSize;
  assert(Number.isSafeInteger(maxTokens) && maxTokens >= 0, () => `maxTokens (${maxTokens}) must be a non-negative integer`);
  const ids = prompts.map((p) => promptIds(tok, p));
  const stop = stopTokens(tok);
  const out: SampledReply[] = [];
  for (let s = 0; s < ids.length; s += batchSize) {
    const chunk = ids.slice(s, s + batchSize);
    const rows = continueBatch(model, chunk, { ...pick, stop, maxTokens }, chunk.map((_, i) => s + i));
    rows.forEach((r, i) => {
      const body = r.stopped ? r.ids.slice(0, -1) : r.ids;
      out.push({ promptIds: chunk[i], ids: r.ids, text: tok.decode(body), stopped: r.stopped });
    });
  }
  return out;
}

/**
 * The reply text to each prompt (greedy unless opts.temperature > 0).
 *
 *   generateReplies(sftModel, tok, [promptFor(example)]) → ['Dusem is in the north.']
 */
export function generateReplies(model: GPT, tok: ChatTokenizer, prompts: readonly Conversation[], opts: ReplyOptions = {}): string[] {
  return sampleReplies(model, tok, prompts, opts).map((r) => r.text);
}

/**
 * Plain-text continuations, as a base model sees text: no chat tokens, stopping at <|endoftext|>
 * (the end of a document) or after maxTokens.
 *
 *   completeDocuments(base, tok, ['Dusem is in the'], { maxTokens: 20 }) → [' north. Dusem was founded in 883.']
 */
export function completeDocuments(model: GPT, tok: ChatTokenizer, texts: readonly string[], opts: ReplyOptions = {}): string[] {
  const pick = { temperature: 0, ...opts };
  checkPickOptions(pick);
  const maxTokens = opts.maxTokens ?? model.config.blockSize;
  const eot = tok.special('<|endoftext|>');
  const rows = continueBatch(model, texts.map((t) => tok.encode(t)), { ...pick, stop: [eot], maxTokens });
  return rows.map((r) => tok.decode(r.stopped ? r.ids.slice(0, -1) : r.ids));
}
