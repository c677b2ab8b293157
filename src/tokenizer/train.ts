// Lesson 4b of the tokenizer: training BPE fast.
//
// Same result as `trainBasic` in base.ts (merge by merge, with the same tie-breaking), but fast enough
// for a book, thanks to three ideas:
//   1. Split the text into chunks (patterns.ts) and count *identical* chunks once: Tiny Shakespeare's
//      ~260k chunks are only ~15k distinct ones. Each distinct chunk (a "word") carries its count.
//   2. Keep the pair counts between merges. Merging (a, b) → id only changes pairs next to an
//      occurrence of (a, b): (x, a) becomes (x, id) and (b, y) becomes (id, y). So the trainer updates
//      those counts, and visits only the words that contain (a, b) (an index from pair to words).
//   3. Find the best pair with a priority queue (queue.ts) instead of scanning all pairs.
//
// Pairs are Map keys as one integer, `a * base + b` with base = vocabSize, which V8 hashes faster
// than a string (and, for vocabularies up to 32768, stores without allocating).
//
// Left out: special tokens (cut out of the text before counting, in tokenizer.ts) and encoding.

import type { Pair } from './base';
import { utf8Encode } from './bytes';
import { splitRegex, type PatternName } from './patterns';
import { PairQueue } from './queue';
import { assert } from '../util/assert';

/** What `learnMerges` reports after each merge (a notebook shows the first few, and a progress bar). */
export interface MergeEvent {
  /** 0 for the first merge. */
  index: number;
  /** Merges requested in all (vocabSize - 256); fewer happen when the text runs out of pairs. */
  total: number;
  /** The pair merged. */
  pair: Pair;
  /** The id of the new token (256 + index). */
  id: number;
  /** How many times the pair occurred when it was merged. */
  count: number;
  /** The bytes of the new token. */
  bytes: Uint8Array;
}

/**
 * Splits each text with the pattern and counts the distinct chunks.
 *
 *   countChunks(['the cat, the hat'], 'gpt2') → Map { 'the' => 1, ' cat' => 1, ',' => 1, ' the' => 1, ' hat' => 1 }
 */
export function countChunks(texts: Iterable<string>, pattern: PatternName): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    const re = splitRegex(pattern);
    if (re === undefined) {
      if (text.length > 0) counts.set(text, (counts.get(text) ?? 0) + 1);
      continue;
    }
    for (let m = re.exec(text); m !== null; m = re.exec(text)) counts.set(m[0], (counts.get(m[0]) ?? 0) + 1);
  }
  return counts;
}

/**
 * Learns `vocabSize - 256` merges from distinct chunks and their counts; merge i makes token 256 + i.
 * Equal to `trainBasic` (base.ts) on the same chunks, merge for merge; stops early when no pair is left.
 *
 *   learnMerges(new Map([['aaabdaaabac', 1]]), 259) → [[97, 97], [97, 98], [256, 257]]
 */
export function learnMerges(chunks: Map<string, number>, vocabSize: number, onMerge?: (e: MergeEvent) => void): Pair[] {
  assert(Number.isInteger(vocabSize) && vocabSize >= 256,
    () => `vocabSize (${vocabSize}) must be an integer of at least 256: the 256 byte tokens come first, merges after`);
  const state = new MergeState(chunks, vocabSize);
  const vocab = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  const merges: Pair[] = [];
  for (let id = 256; id < vocabSize; id++) {
    const best = state.popBest();
    if (best === undefined) break;
    const [pair, count] = best;
    state.merge(pair, id);
    merges.push(pair);
    vocab.push(joinBytes(vocab[pair[0]], vocab[pair[1]]));
    onMerge?.({ index: id - 256, total: vocabSize - 256, pair, id, count, bytes: vocab[id] });
  }
  return merges;
}

/** a followed by b. */
function joinBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const t = new Uint8Array(a.length + b.length);
  t.set(a);
  t.set(b, a.length);
  return t;
}

/** The words being merged, their pair counts, the pair → words index and the queue. */
class MergeState {
  /** Token ids of each distinct chunk; only the first `lens[w]` are in use. */
  private words: Int32Array[] = [];
  private lens: Int32Array;
  /** How many times each word occurs in the text. */
  private mult: number[] = [];
  private counts = new Map<number, number>();
  /** Pair → the words it occurs in (may list a word twice, or a word that lost the pair). */
  private where = new Map<number, number[]>();
  private queue = new PairQueue();
  /** Pairs whose count changed during the current merge. */
  private touched = new Set<number>();
  /** `seen[w] === id` when word w was already handled by the merge that makes `id`. */
  private seen: Int32Array;

  constructor(chunks: Map<string, number>, private base: number) {
    for (const [chunk, n] of chunks) {
      this.words.push(Int32Array.from(utf8Encode(chunk)));
      this.mult.push(n);
    }
    this.lens = Int32Array.from(this.words, (w) => w.length);
    this.seen = new Int32Array(this.words.length);
    this.words.forEach((w, i) => { for (let j = 0; j + 1 < w.length; j++) this.add(w[j], w[j + 1], this.mult[i], i); });
    this.flushTouched();
  }

  /** The pair with the highest count (ties: smallest ids) and its count, or undefined when none. */
  popBest(): [Pair, number] | undefined {
    for (let key = this.queue.topKey(); key !== undefined; key = this.queue.topKey()) {
      const count = this.queue.topCount()!;
      this.queue.pop();
      if (this.counts.get(key) === count) return [[Math.floor(key / this.base), key % this.base], count];
    }
    return undefined;
  }

  /** Replaces (a, b) by id in every word that has it, updating the counts around each occurrence. */
  merge([a, b]: Pair, id: number): void {
    const key = a * this.base + b;
    for (const w of this.where.get(key) ?? []) {
      if (this.seen[w] === id) continue;
      this.seen[w] = id;
      this.mergeWord(w, a, b, id);
    }
    this.flushTouched();
  }

  /**
   * Merges inside one word, writing the result over it. For each occurrence: (x, a) → (x, id),
   * (a, b) disappears, (b, y) → (id, y). Subtle: x is read from the output, so in "a a a a" merging
   * (a, a), the second occurrence sees x = id and correctly creates (id, id).
   */
  private mergeWord(w: number, a: number, b: number, id: number): void {
    const word = this.words[w], len = this.lens[w], m = this.mult[w];
    let out = 0;
    for (let i = 0; i < len;) {
      if (i + 1 < len && word[i] === a && word[i + 1] === b) {
        if (out > 0) { this.add(word[out - 1], a, -m, w); this.add(word[out - 1], id, m, w); }
        this.add(a, b, -m, w);
        if (i + 2 < len) { this.add(b, word[i + 2], -m, w); this.add(id, word[i + 2], m, w); }
        word[out++] = id;
        i += 2;
      } else {
        word[out++] = word[i++];
      }
    }
    this.lens[w] = out;
  }

  /** Adds `delta` to the count of (a, b), noting word w under the pair when it gains occurrences. */
  private add(a: number, b: number, delta: number, w: number): void {
    const key = a * this.base + b;
    this.counts.set(key, (this.counts.get(key) ?? 0) + delta);
    this.touched.add(key);
    if (delta > 0) {
      const list = this.where.get(key);
      if (list === undefined) this.where.set(key, [w]);
      else if (list[list.length - 1] !== w) list.push(w);
    }
  }

  /** Queues each changed pair with its new count; forgets pairs that are gone (they never return). */
  private flushTouched(): void {
    for (const key of this.touched) {
      const count = this.counts.get(key)!;
      if (count > 0) this.queue.push(count, key);
      else { this.counts.delete(key); this.where.delete(key); }
    }
    this.touched.clear();
  }
}
