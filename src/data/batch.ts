// Lesson 5 of the data pipeline: cutting the stream into B x T training batches.
//
// A batch is B rows of T consecutive tokens (x) and the same rows shifted one to the right (y): the
// model reads x[b, t] and is scored on predicting y[b, t] = the token after it. Two ways to choose
// the rows:
//   - random offsets, as nanoGPT's get_batch: any start in 0..n-T-1, drawn with a seeded Rng;
//   - epochs: the stream cut into non-overlapping windows (starts 0, T, 2T, ...), shuffled per epoch
//     with (seed, epoch), so each window is seen exactly once per epoch; a last partial batch is
//     dropped.
// Each batch also carries, per cell, the index of the document x[b, t] belongs to, so a notebook can
// color a B x T grid by document and see rows that straddle <|endoftext|>.
//
// Left out: tensors (src/data/tensors.ts) and padded batches for SFT (src/data/padding.ts).

import { assert } from '../util/assert';
import { Rng, hashSeed } from './rng';
import { TokenStream, docIndexAt } from './stream';

/** The shape and seed of pretraining batches. */
export interface BatchConfig {
  /** B: rows per batch. */
  batchSize: number;
  /** T: tokens per row, the context length. */
  blockSize: number;
  /** Seeds the random offsets and the per-epoch shuffles. */
  seed: number;
}

/** B rows of T tokens, row-major. */
export interface Batch {
  /** [B, T]. */
  shape: [number, number];
  /** Inputs, [B, T]. */
  x: Int32Array;
  /** Targets, [B, T]: y[b, t] is the token after x[b, t]. */
  y: Int32Array;
  /** [B, T]: the corpus-wide document index of x[b, t]. */
  docIds: Int32Array;
  /** [B]: where each row starts in the stream. */
  offsets: Int32Array;
}

/**
 * Checks that a stream holds at least one batch: B * T + 1 tokens (the +1 is the last target).
 *
 *   checkFits(stream of 7 tokens, { batchSize: 2, blockSize: 3 }) → ok (2*3+1 = 7)
 *   checkFits(stream of 7 tokens, { batchSize: 2, blockSize: 4 }) → throws
 */
export function checkFits(stream: TokenStream, config: Pick<BatchConfig, 'batchSize' | 'blockSize'>): void {
  const { batchSize: B, blockSize: T } = config;
  assert(Number.isSafeInteger(B) && B > 0, () => `batchSize ${B} must be a positive integer`);
  assert(Number.isSafeInteger(T) && T > 0, () => `blockSize ${T} must be a positive integer`);
  const n = stream.tokens.length;
  assert(
    B * T + 1 <= n,
    () => `a batch needs batchSize * blockSize + 1 = ${B} * ${T} + 1 = ${B * T + 1} tokens, but the stream has ${n}; ` +
      `use a smaller batchSize or blockSize, or more text`,
  );
}

/**
 * The batch whose rows start at the given offsets (the gather both samplers share).
 *
 *   stream [1, 2, 0, 3, 4, 5, 0] (docs 'ab', 'cde'), offsets [0, 3], T = 3
 *     → x [1, 2, 0,  3, 4, 5], y [2, 0, 3,  4, 5, 0], docIds [0, 0, 0,  1, 1, 1]
 */
export function batchAt(stream: TokenStream, offsets: ArrayLike<number>, blockSize: number): Batch {
  const B = offsets.length;
  const T = blockSize;
  const { tokens, docStarts, firstDoc } = stream;
  const x = new Int32Array(B * T);
  const y = new Int32Array(B * T);
  const docIds = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    const o = offsets[b];
    assert(Number.isInteger(o) && o >= 0 && o + T < tokens.length,
      () => `row ${b} starts at ${o}, but rows must start in 0..${tokens.length - T - 1} ` +
        `for blockSize ${T} on ${tokens.length} tokens`);
    // Walk the documents along the row instead of searching for every cell.
    let j = docIndexAt(stream, o) - firstDoc;
    for (let t = 0; t < T; t++) {
      while (j + 1 < docStarts.length && docStarts[j + 1] <= o + t) j++;
      x[b * T + t] = tokens[o + t];
      y[b * T + t] = tokens[o + t + 1];
      docIds[b * T + t] = firstDoc + j;
    }
  }
  return { shape: [B, T], x, y, docIds, offsets: Int32Array.from(offsets) };
}

/**
 * nanoGPT's get_batch: B random offsets in 0..n-T-1 drawn from `rng`.
 *
 *   sampleBatch(stream, { batchSize: 4, blockSize: 8, seed: 0 }, new Rng(1)) → a Batch of shape [4, 8]
 */
export function sampleBatch(stream: TokenStream, config: BatchConfig, rng: Rng): Batch {
  checkFits(stream, config);
  const { batchSize: B, blockSize: T } = config;
  const offsets = new Int32Array(B);
  for (let b = 0; b < B; b++) offsets[b] = rng.int(0, stream.tokens.length - T);
  return batchAt(stream, offsets, T);
}

/**
 * An endless sequence of random batches, reproducible from config.seed.
 *
 *   const it = randomBatches(train, { batchSize: 12, blockSize: 64, seed: 1337 });  it.next().value → Batch
 */
export function* randomBatches(stream: TokenStream, config: BatchConfig): Generator<Batch, never> {
  const rng = new Rng(hashSeed(config.seed, 0x7a11));
  for (;;) yield sampleBatch(stream, config, rng);
}

/**
 * How many full batches of non-overlapping windows one epoch holds.
 *
 *   batchesPerEpoch(stream of 7 tokens, { batchSize: 1, blockSize: 3 }) → 2 (windows at 0 and 3)
 */
export function batchesPerEpoch(stream: TokenStream, config: Pick<BatchConfig, 'batchSize' | 'blockSize'>): number {
  checkFits(stream, config);
  const windows = Math.floor((stream.tokens.length - 1) / config.blockSize);
  return Math.floor(windows / config.batchSize);
}

/**
 * The order in which an epoch visits its windows: a permutation of 0..windows-1 from (seed, epoch).
 *
 *   epochOrder(4, 0, 0) → a permutation of [0, 1, 2, 3]; the same arguments always give the same one
 */
export function epochOrder(windows: number, seed: number, epoch: number): Uint32Array {
  const order = new Uint32Array(windows);
  for (let i = 0; i < windows; i++) order[i] = i;
  return new Rng(hashSeed(seed, 0xe90c, epoch)).shuffle(order);
}

/**
 * One epoch: every non-overlapping window (starts 0, T, 2T, ...) once, in a shuffled order fixed by
 * (config.seed, epoch); windows that do not fill a last batch are skipped this epoch.
 *
 *   [...epochBatches(stream, { batchSize: 2, blockSize: 3, seed: 0 }, 0)].length → batchesPerEpoch(...)
 */
export function* epochBatches(stream: TokenStream, config: BatchConfig, epoch: number): Generator<Batch, void> {
  const perEpoch = batchesPerEpoch(stream, config);
  const { batchSize: B, blockSize: T } = config;
  const order = epochOrder(Math.floor((stream.tokens.length - 1) / T), config.seed, epoch);
  for (let k = 0; k < perEpoch; k++) {
    const offsets = Array.from(order.subarray(k * B, (k + 1) * B), (w) => w * T);
    yield batchAt(stream, offsets, T);
  }
}
