// Lesson 2 of the tokenizer: byte-pair encoding, the slow and obvious way.
//
// BPE starts from the 256 byte values and repeatedly *merges* the most frequent adjacent pair of
// tokens into a new token. This file is the version to read: count every pair (`getStats`), replace
// the winner everywhere (`merge`), repeat (`trainBasic`), and encode new text by replaying the merges
// in the order they were learned (`encodeBasic`). Each merge recounts the whole text, so training is
// O(text × merges): fine for a paragraph, far too slow for a book.
//
// Left out: splitting text into chunks first (patterns.ts), the fast trainer that updates counts
// incrementally (train.ts), the fast encoder (bpe.ts) and special tokens (special.ts). The fast code is
// tested against these functions, so they are also the specification.
//
// Tie-breaking (used everywhere in gpt-lab): when several pairs share the highest count, the pair with
// the smaller first id wins, then the smaller second id. minbpe instead takes the pair it met first in
// the text; both are deterministic, but ours does not depend on how the text was scanned, which is
// what lets the fast trainer reproduce it exactly.

import { utf8Decode, utf8Encode } from './bytes';

/** An adjacent pair of token ids, written `[left, right]`. */
export type Pair = readonly [number, number];

/**
 * The key of a pair in the Maps of this lesson.
 *
 *   pairKey([104, 105]) → '104,105'
 */
export function pairKey(pair: Pair): string {
  return `${pair[0]},${pair[1]}`;
}

/**
 * Counts each adjacent pair in `ids`, adding to `counts` when one is given (to count over several
 * chunks); each occurrence adds `weight`.
 *
 *   getStats([1, 2, 3, 1, 2]) → Map { '1,2' => 2, '2,3' => 1, '3,1' => 1 }
 */
export function getStats(ids: readonly number[], counts = new Map<string, number>(), weight = 1): Map<string, number> {
  for (let i = 0; i + 1 < ids.length; i++) {
    const key = `${ids[i]},${ids[i + 1]}`;
    counts.set(key, (counts.get(key) ?? 0) + weight);
  }
  return counts;
}

/**
 * The most frequent pair, ties going to the smaller ids; undefined when there is no pair.
 *
 *   bestPair(Map { '3,1' => 2, '1,2' => 2, '2,3' => 1 }) → [1, 2]
 */
export function bestPair(counts: Map<string, number>): Pair | undefined {
  let best: [number, number] | undefined;
  let bestCount = 0;
  for (const [key, count] of counts) {
    const [a, b] = key.split(',').map(Number);
    const better = count > bestCount || (count === bestCount && best !== undefined &&
      (a < best[0] || (a === best[0] && b < best[1])));
    if (better) { best = [a, b]; bestCount = count; }
  }
  return best;
}

/**
 * Replaces every occurrence of `pair` in `ids`, left to right, by `id`.
 *
 *   merge([1, 2, 3, 1, 2], [1, 2], 4) → [4, 3, 4]
 *   merge([5, 5, 5], [5, 5], 6)       → [6, 5]     (occurrences do not overlap)
 */
export function merge(ids: readonly number[], pair: Pair, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === pair[0] && ids[i + 1] === pair[1]) { out.push(id); i++; }
    else out.push(ids[i]);
  }
  return out;
}

/**
 * Learns `vocabSize - 256` merges on the UTF-8 bytes of `text` as one sequence (no split pattern),
 * recounting all pairs before each merge. Merge i creates token 256 + i. Stops early when no pair is
 * left.
 *
 *   trainBasic('aaabdaaabac', 259) → [[97, 97], [97, 98], [256, 257]]
 */
export function trainBasic(text: string, vocabSize: number): Pair[] {
  let ids = Array.from(utf8Encode(text));
  const merges: Pair[] = [];
  for (let id = 256; id < vocabSize; id++) {
    const pair = bestPair(getStats(ids));
    if (pair === undefined) break;
    ids = merge(ids, pair, id);
    merges.push(pair);
  }
  return merges;
}

/**
 * Encodes with learned merges: while some adjacent pair is a merge, apply the one learned first.
 *
 *   encodeBasic('aaabdaaabac', [[97, 97], [97, 98], [256, 257]]) → [258, 100, 258, 97, 99]
 */
export function encodeBasic(text: string, merges: readonly Pair[]): number[] {
  const rank = new Map(merges.map((p, i) => [pairKey(p), i]));
  let ids = Array.from(utf8Encode(text));
  for (;;) {
    let best = -1;
    for (let i = 0; i + 1 < ids.length; i++) {
      const r = rank.get(`${ids[i]},${ids[i + 1]}`);
      if (r !== undefined && (best < 0 || r < best)) best = r;
    }
    if (best < 0) return ids;
    ids = merge(ids, merges[best], 256 + best);
  }
}

/**
 * The bytes of every token: 0..255 are the bytes themselves, token 256 + i is the concatenation of
 * the two tokens of merge i.
 *
 *   vocabBytes([[104, 105]])[256] → Uint8Array [104, 105]
 */
export function vocabBytes(merges: readonly Pair[]): Uint8Array[] {
  const vocab: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) vocab.push(Uint8Array.of(b));
  for (const [a, b] of merges) {
    const t = new Uint8Array(vocab[a].length + vocab[b].length);
    t.set(vocab[a]);
    t.set(vocab[b], vocab[a].length);
    vocab.push(t);
  }
  return vocab;
}

/**
 * Decodes ids to text through the vocabulary (invalid UTF-8 shows as U+FFFD).
 *
 *   decodeBasic([258, 100, 258, 97, 99], [[97, 97], [97, 98], [256, 257]]) → 'aaabdaaabac'
 */
export function decodeBasic(ids: readonly number[], merges: readonly Pair[]): string {
  const vocab = vocabBytes(merges);
  const bytes = ids.flatMap((id) => Array.from(vocab[id]));
  return utf8Decode(Uint8Array.from(bytes));
}
