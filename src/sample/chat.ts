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
// A row control (control.ts) can mask a row's logits or force ids into it: the tool engine and the
// constrained decoder both work through it. Forced ids are fed in one pass (continueBatch).
// Left out: beam search.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { Conversation, renderConversation, renderPrompt } from '../data/conversation';
import { Rng, hashSeed } from '../data/rng';
import { GPT, LayerKV } from '../model';
import { checkPickOptions, pickToken, PickOptions } from './pick';
import { DecodeStats, maskedLogits, RowAction, RowControl } from './control';

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
  /** The row hook (control.ts): masks and forced ids, e.g. toolControl or constrainedControl. */
  control?: RowControl;
  /** Counts added to: forward passes, sampled and forced tokens. */
  stats?: DecodeStats;
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
  /** forced[i]: ids[i] was forced by the control (a tool's output, template text), not sampled. */
  forced: boolean[];
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

/** Options of continueBatch. */
export interface ContinueOptions extends PickOptions {
  /** Ids that end a row (included in its reply). */
  stop: readonly number[];
  /** Most new ids per row, forced ones included. */
  maxTokens: number;
  seed?: number;
  /** The row hook (control.ts): masks and forced ids; the same function for every row. */
  control?: RowControl;
  /** Counts added to: forward passes, sampled and forced tokens. */
  stats?: DecodeStats;
}

/** One continued row. */
export interface ContinuedRow {
  ids: number[];
  /** forced[i]: ids[i] was forced by the control, not sampled. */
  forced: boolean[];
  stopped: boolean;
}

/**
 * Samples continuations of token prompts in one batch; each stops at a stop token, after maxTokens,
 * or when the context is full. Returns the new ids of each row and whether it stopped.
 *
 *   continueBatch(model, [[1, 2, 3], [4, 5]], { stop: [9], maxTokens: 5, temperature: 0 })
 *     → [{ ids: [...up to 5], forced, stopped }, { ids, forced, stopped }]
 *
 * Each row keeps a queue of ids still to feed (its prompt, then the id it picked or the ids it was
 * forced). A step feeds every row the same number n of queued ids, the shortest queue's length, in one
 * forward pass; a row whose queue is then empty picks its next id from the logits after it. So a forced
 * run of k ids costs one pass when the row is alone (or its neighbours are forced too), not k.
 */
export function continueBatch(
  model: GPT, prompts: readonly number[][], opts: ContinueOptions, rowSeeds?: readonly number[],
): ContinuedRow[] {
  const T = model.config.blockSize;
  const V = model.config.vocabSize;
  const B = prompts.length;
  const checkId = (id: number, what: string) =>
    assert(Number.isInteger(id) && id >= 0 && id < V, () => `${what}: token ${id} is outside 0..${V - 1}`);
  prompts.forEach((p, b) => {
    assert(p.length > 0, () => `prompt ${b} is empty; pass at least one token`);
    assert(p.length < T,
      () => `prompt ${b} has ${p.length} tokens, which leaves no room for a reply in blockSize ${T}; shorten it`);
    p.forEach((id, i) => checkId(id, `prompt ${b} at position ${i}`));
  });
  const stop = new Set(opts.stop);
  const rngs = prompts.map((_, b) => new Rng(hashSeed(opts.seed ?? 1337, rowSeeds?.[b] ?? b)));
  const out: ContinuedRow[] = prompts.map(() => ({ ids: [], forced: [], stopped: false }));
  const done = prompts.map(() => opts.maxTokens <= 0);
  const queue = prompts.map((p) => [...p]);
  const stats = opts.stats;
  let fed = 0; // positions fed so far, the same for every row
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
    if (stats !== undefined) stats.passes += 1;
    return data;
  };
  // Appends one id at position `pos` (fed + what is queued); returns false when the row is finished.
  const push = (b: number, id: number, forced: boolean): boolean => {
    const pos = fed + queue[b].length;
    out[b].ids.push(id);
    out[b].forced.push(forced);
    if (stop.has(id)) {
      out[b].stopped = true;
      return false;
    }
    // subtle: an id at position T was predicted from a full context but cannot be read
    if (out[b].ids.length >= opts.maxTokens || pos >= T) return false;
    queue[b].push(id);
    return true;
  };
  // The row's queue is empty and `logits` predict its next position: force or sample until something is queued.
  const decide = (b: number, logits: Float32Array) => {
    for (;;) {
      const action: RowAction = opts.control?.(out[b].ids) ?? { kind: 'sample' };
      if (action.kind === 'sample') {
        const row = logits.subarray(b * V, (b + 1) * V);
        const id = pickToken(
          action.banned === undefined && action.allowed === undefined ? row : maskedLogits(row, action), opts, rngs[b]);
        if (stats !== undefined) stats.sampled += 1;
        if (!push(b, id, false)) done[b] = true;
        return;
      }
      assert(action.ids.length > 0, () => `row ${b}: the control forced no ids; force at least one or sample`);
      if (stats !== undefined) stats.forcedRuns += 1;
      for (const id of action.ids) {
        checkId(id, `row ${b}: forced id`);
        if (stats !== undefined) stats.forced += 1;
        if (push(b, id, true)) continue;
        done[b] = true;
        return;
      }
      // subtle: after a forced run the logits are stale; the next decision waits for the pass that reads it
      if (queue[b].length > 0) return;
    }
  };
  try {
    for (;;) {
      const active = prompts.map((_, b) => b).filter((b) => !done[b]);
      if (active.length === 0) break;
      const n = Math.min(...active.map((b) => queue[b].length));
      const idx = new Int32Array(B * n); // finished rows feed id 0: their outputs are never read
      for (const b of active) idx.set(queue[b].slice(0, n), b * n);
      const logits = feed(idx, n); // predicts position fed + n
      fed += n;
      for (const b of active) {
        queue[b] = queue[b].slice(n);
        if (queue[b].length === 0) decide(b, logits);
      }
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
export function sampleReplies(
  model: GPT, tok: ChatTokenizer, prompts: readonly Conversation[], opts: ReplyOptions = {},
): SampledReply[] {
  const pick = { temperature: 0, ...opts };
  checkPickOptions(pick);
  const batchSize = opts.batchSize ?? 32;
  assert(Number.isSafeInteger(batchSize) && batchSize > 0, () => `batchSize (${batchSize}) must be a positive integer`);
  const maxTokens = opts.maxTokens ?? model.config.blockSize;
  assert(Number.isSafeInteger(maxTokens) && maxTokens >= 0,
    () => `maxTokens (${maxTokens}) must be a non-negative integer`);
  const ids = prompts.map((p) => promptIds(tok, p));
  const stop = stopTokens(tok);
  const out: SampledReply[] = [];
  for (let s = 0; s < ids.length; s += batchSize) {
    const chunk = ids.slice(s, s + batchSize);
    const rows = continueBatch(model, chunk,
      { ...pick, stop, maxTokens, control: opts.control, stats: opts.stats }, chunk.map((_, i) => s + i));
    rows.forEach((r, i) => {
      const body = r.stopped ? r.ids.slice(0, -1) : r.ids;
      out.push({ promptIds: chunk[i], ids: r.ids, text: tok.decode(body), stopped: r.stopped, forced: r.forced });
    });
  }
  return out;
}

/**
 * The reply text to each prompt (greedy unless opts.temperature > 0).
 *
 *   generateReplies(sftModel, tok, [promptFor(example)]) → ['Dusem is in the north.']
 */
export function generateReplies(
  model: GPT, tok: ChatTokenizer, prompts: readonly Conversation[], opts: ReplyOptions = {},
): string[] {
  return sampleReplies(model, tok, prompts, opts).map((r) => r.text);
}

/**
 * Plain-text continuations, as a base model sees text: no chat tokens, stopping at <|endoftext|>
 * (the end of a document) or after maxTokens.
 *
 *   completeDocuments(base, tok, ['Dusem is in the'], { maxTokens: 20 }) → [' north. Dusem was founded in 883.']
 */
export function completeDocuments(
  model: GPT, tok: ChatTokenizer, texts: readonly string[], opts: ReplyOptions = {},
): string[] {
  const pick = { temperature: 0, ...opts };
  checkPickOptions(pick);
  const maxTokens = opts.maxTokens ?? model.config.blockSize;
  const eot = tok.special('<|endoftext|>');
  const rows = continueBatch(model, texts.map((t) => tok.encode(t)), { ...pick, stop: [eot], maxTokens });
  return rows.map((r) => tok.decode(r.stopped ? r.ids.slice(0, -1) : r.ids));
}
