// Lesson 2 of SFT: the data, conversations rendered and padded into batches.
//
// Each example of the world's SFT mixture (src/data/world/sft.ts) is a user question and the ideal
// assistant reply. renderConversation turns it into ids and a mask (1 on the reply and on
// <|assistant_end|>, so the model learns to stop); padForNextToken stacks a batch of them, padded on
// the right to the longest, rounded up to a multiple of 16 so few distinct shapes occur.
//
// Batches come in epochs: the examples shuffled with (seed, epoch), then cut in order, so every
// example is seen once per epoch and batch s is a function of (seed, s) alone (a resumed run draws
// exactly what an uninterrupted one would).
// The mixture is the world's facts (train split) and worked sums of `digits`-digit numbers: what the
// reward model and RLHF ask about too (preferenceTask: facts of the train split and 2-digit sums).
// Left out: packing several conversations into one row (nanochat's SFT pads, as here); the world's
// retrieval and calculator sources (a retrieval prompt holds a whole document, longer than this
// model's context, and the calculator needs a generation loop that runs the tool).

import { assert } from '../util/assert';
import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { RenderedConversation, renderConversation } from '../data/conversation';
import { padForNextToken, ShiftedBatch } from '../data/padding';
import { Rng, hashSeed } from '../data/rng';
import { arithmeticTask } from '../data/world/arithmetic';
import { factsTask } from '../data/world/questions';
import { pickWeighted } from '../data/world/sft';
import { QAExample, Task, qaTask } from '../data/world/task';
import { World } from '../data/world/world';

/** What the SFT mixture draws from. */
export interface MixtureConfig {
  /** Number of examples. */
  size: number;
  seed: number;
  /** Relative weights of the two sources. */
  weights: { facts: number; arithmetic: number };
  /** Operand digits of the sums (2: 'What is 47+85?'). */
  digits: number;
}

/**
 * The SFT mixture: closed-book questions about facts of the train split, and worked sums. Example i
 * picks its source and its index from (seed, i) alone, as the world's sftTask does.
 *
 *   sftMixture(makeWorld(), { size: 100, seed: 1, weights: { facts: 1, arithmetic: 1 }, digits: 2 }).example(0).task
 *     → 'facts' or 'arithmetic'
 */
export function sftMixture(world: World, c: MixtureConfig): Task<QAExample> {
  assert(c.weights.facts >= 0 && c.weights.arithmetic >= 0 && c.weights.facts + c.weights.arithmetic > 0,
    () => `mixture weights ${JSON.stringify(c.weights)} must be non-negative with a positive sum`);
  const facts = factsTask(world, { size: c.size, seed: hashSeed(c.seed, 1), split: 'train' });
  const sums = arithmeticTask({ size: c.size, seed: hashSeed(c.seed, 2), digits: c.digits });
  return qaTask('sft', { size: c.size, seed: c.seed }, (_i, rng) => {
    const source = pickWeighted(c.weights, rng.next());
    return source === 'facts' ? facts.example(rng.int(0, c.size)) : sums.example(rng.int(0, c.size));
  });
}

/** Rendered conversations ready for batching, with the examples they came from. */
export interface SftExamples {
  rendered: RenderedConversation[];
  examples: QAExample[];
}

/**
 * Renders examples, keeping those that fit a context of blockSize (ids.length - 1 <= blockSize,
 * since the last id is only a target).
 *
 *   renderExamples(tok, take(sftTask(world), 100), 128).rendered.length → 100 minus the long ones
 */
export function renderExamples(tok: ChatTokenizer, examples: readonly QAExample[], blockSize: number): SftExamples {
  const chat = chatTokens(tok);
  const out: SftExamples = { rendered: [], examples: [] };
  for (const ex of examples) {
    const r = renderConversation(ex.conversation, chat);
    if (r.ids.length - 1 > blockSize) continue;
    out.rendered.push(r);
    out.examples.push(ex);
  }
  assert(out.rendered.length > 0,
    () => `no example fits a context of ${blockSize} tokens; raise blockSize or use shorter conversations`);
  return out;
}

/**
 * The example indices of batch `step`: epochs of shuffled indices laid end to end, cut into rows.
 *
 *   batchIndices(10, 4, 7, 0) → 4 distinct indices in 0..9; batches 0, 1 and the first half of 2 cover
 *   epoch 0 (10 = 4 + 4 + 2), and the rest of batch 2 starts epoch 1
 */
export function batchIndices(n: number, batchSize: number, seed: number, step: number): number[] {
  assert(n > 0 && batchSize > 0, () => `batchIndices: need examples (${n}) and a batch size (${batchSize}) above 0`);
  const out: number[] = [];
  let pos = step * batchSize;
  let epoch = -1;
  let order: number[] = [];
  while (out.length < batchSize) {
    const e = Math.floor(pos / n);
    if (e !== epoch) {
      epoch = e;
      order = new Rng(hashSeed(seed, 0x5f7, e)).shuffle(Array.from({ length: n }, (_, i) => i));
    }
    out.push(order[pos % n]);
    pos++;
  }
  return out;
}

/** Rounds a length up to a multiple of `multiple`, capped at `max`: roundUp(37, 16, 128) → 48 */
export function roundUp(length: number, multiple: number, max: number): number {
  return Math.min(max, Math.ceil(length / multiple) * multiple);
}

/**
 * Pads rendered conversations into a next-token batch: right padding (the pad id is
 * <|endoftext|>, never scored), width = the longest input rounded up to 16, at most blockSize.
 *
 *   sftBatch(tok, [renderConversation(conv, chat)], 128) → { shape: [1, 16], x, y, lossMask, ... }
 */
export function sftBatch(tok: ChatTokenizer, rows: readonly RenderedConversation[], blockSize: number): ShiftedBatch {
  const longest = Math.max(...rows.map((r) => r.ids.length - 1));
  assert(longest <= blockSize,
    () => `a conversation of ${longest + 1} tokens does not fit blockSize ${blockSize} ` +
      '(it needs ids - 1 <= blockSize); filter with renderExamples');
  return padForNextToken(rows,
    { padId: tok.special('<|endoftext|>'), side: 'right', length: roundUp(longest, 16, blockSize) });
}
