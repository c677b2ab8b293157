// Lesson 8 of the data pipeline: batches of examples that differ in length.
//
// Pretraining rows are cut from one stream, so they all have length T. SFT conversations and
// reward-model examples are whole sequences of different lengths: to stack them into a [B, T] batch
// they are padded with a pad id, on the right (training) or the left (generation, so every row's last
// real token sits in the last column). Two masks travel with the batch:
//   - attentionMask: 1 on real tokens, 0 on padding;
//   - lossMask: 1 where the loss counts: the example's own mask (e.g. 1 on assistant tokens) and never
//     on padding.
//
// Left out: truncation (a sequence longer than the requested length is an error: choose the length,
// or shorten the data) and packing several short examples into one row.

import { assert } from '../util/assert';

/** One example: token ids and, optionally, its loss mask (default: 1 everywhere). */
export interface Sequence {
  ids: ArrayLike<number>;
  /** Same length as ids; 1 where the loss counts. */
  mask?: ArrayLike<number>;
}

/** How to pad. */
export interface PadConfig {
  /** The id written into padding cells. */
  padId: number;
  /** 'right' for training; 'left' for generation, so all rows end in the last column. */
  side: 'left' | 'right';
  /** Pad every row to this length (fixed shapes compile once on GPU backends); default: the longest. */
  length?: number;
}

/** Whole sequences, padded: for reward models and generation. */
export interface PaddedBatch {
  /** [B, T]. */
  shape: [number, number];
  /** [B, T]. */
  ids: Int32Array;
  /** [B, T]: 1 on real tokens. */
  attentionMask: Int32Array;
  /** [B, T]: the examples' masks, 0 on padding. */
  lossMask: Int32Array;
  /** [B]: real tokens per row. */
  lengths: Int32Array;
  /** [B]: the column of each row's last real token (where a reward model reads its score). */
  lastIndex: Int32Array;
}

/** Inputs and next-token targets, padded: for SFT. */
export interface ShiftedBatch {
  /** [B, T]. */
  shape: [number, number];
  /** [B, T]: ids[0..L-2] of each example. */
  x: Int32Array;
  /** [B, T]: ids[1..L-1], the token after each x cell. */
  y: Int32Array;
  /** [B, T]: 1 where x is a real token. */
  attentionMask: Int32Array;
  /** [B, T]: the example's mask on the target, mask[1..L-1]; 0 on padding. */
  lossMask: Int32Array;
}

function checkSequences(seqs: readonly Sequence[], config: PadConfig): void {
  assert(seqs.length > 0, () => 'padding: no sequences given; pass at least one');
  assert(Number.isInteger(config.padId) && config.padId >= 0,
    () => `padId ${config.padId} must be a non-negative integer`);
  seqs.forEach((s, b) => {
    assert(s.mask === undefined || s.mask.length === s.ids.length,
      () => `sequence ${b}: mask length ${s.mask?.length} differs from ids length ${s.ids.length}`);
  });
}

/** The row width: config.length, or the longest of `lengths`; checked to fit them all. */
function width(lengths: number[], config: PadConfig, what: string): number {
  const longest = Math.max(...lengths);
  const T = config.length ?? longest;
  assert(Number.isSafeInteger(T) && T > 0, () => `padding length ${T} must be a positive integer`);
  assert(longest <= T,
    () => `sequence ${lengths.indexOf(longest)} has ${longest} ${what}, more than the padding length ${T}; ` +
      `raise length or shorten the example`);
  return T;
}

/**
 * Pads whole sequences to [B, T].
 *
 *   padSequences([{ ids: [5, 6, 7], mask: [0, 1, 1] }, { ids: [8] }], { padId: 0, side: 'right' })
 *     → ids [5, 6, 7,  8, 0, 0], attentionMask [1, 1, 1,  1, 0, 0], lossMask [0, 1, 1,  1, 0, 0],
 *       lengths [3, 1], lastIndex [2, 0]
 *   with side 'left': ids [5, 6, 7,  0, 0, 8], attentionMask [1, 1, 1,  0, 0, 1], lastIndex [2, 2]
 */
export function padSequences(seqs: readonly Sequence[], config: PadConfig): PaddedBatch {
  checkSequences(seqs, config);
  const lengths = seqs.map((s) => s.ids.length);
  assert(Math.min(...lengths) > 0,
    () => `sequence ${lengths.indexOf(0)} is empty; every example needs at least one token`);
  const B = seqs.length;
  const T = width(lengths, config, 'tokens');
  const ids = new Int32Array(B * T).fill(config.padId);
  const attentionMask = new Int32Array(B * T);
  const lossMask = new Int32Array(B * T);
  const lastIndex = new Int32Array(B);
  seqs.forEach((s, b) => {
    const L = s.ids.length;
    const start = config.side === 'left' ? T - L : 0;
    for (let t = 0; t < L; t++) {
      ids[b * T + start + t] = s.ids[t];
      attentionMask[b * T + start + t] = 1;
      lossMask[b * T + start + t] = s.mask === undefined ? 1 : s.mask[t];
    }
    lastIndex[b] = start + L - 1;
  });
  return { shape: [B, T], ids, attentionMask, lossMask, lengths: Int32Array.from(lengths), lastIndex };
}

/**
 * Pads sequences for next-token training: each example of length L gives L-1 (input, target) pairs,
 * and the loss mask is taken at the target (mask[t+1]), because that is the token being predicted.
 *
 *   padForNextToken([{ ids: [5, 6, 7], mask: [0, 1, 1] }, { ids: [8, 9] }], { padId: 0, side: 'right' })
 *     → x [5, 6,  8, 0], y [6, 7,  9, 0], attentionMask [1, 1,  1, 0], lossMask [1, 1,  1, 0]
 */
export function padForNextToken(seqs: readonly Sequence[], config: PadConfig): ShiftedBatch {
  checkSequences(seqs, config);
  const lengths = seqs.map((s) => s.ids.length - 1);
  assert(Math.min(...lengths) > 0,
    () => `sequence ${lengths.findIndex((l) => l < 1)} has fewer than 2 tokens; ` +
      `next-token training needs an input and a target`);
  const B = seqs.length;
  const T = width(lengths, config, 'input tokens (ids minus one)');
  const x = new Int32Array(B * T).fill(config.padId);
  const y = new Int32Array(B * T).fill(config.padId);
  const attentionMask = new Int32Array(B * T);
  const lossMask = new Int32Array(B * T);
  seqs.forEach((s, b) => {
    const L = lengths[b];
    const start = config.side === 'left' ? T - L : 0;
    for (let t = 0; t < L; t++) {
      const cell = b * T + start + t;
      x[cell] = s.ids[t];
      y[cell] = s.ids[t + 1];
      attentionMask[cell] = 1;
      lossMask[cell] = s.mask === undefined ? 1 : s.mask[t + 1];
    }
  });
  return { shape: [B, T], x, y, attentionMask, lossMask };
}
