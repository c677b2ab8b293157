// Lesson 5 of the tokenizer: encoding fast.
//
// To encode a chunk, start from its bytes (as token ids) and, while some adjacent pair of tokens can
// merge, merge the pair whose result has the lowest id (the leftmost one on a tie). That is
// `encodeBasic` from base.ts, and also what OpenAI's tiktoken does with its "ranks" (a token's rank is
// its id). Two tables can answer "can (a, b) merge, and into what?":
//   - a trained tokenizer's merges: (a, b) → 256 + i for merge i (minbpe's rule);
//   - tiktoken's ranks: (a, b) → the token whose bytes are bytes(a) + bytes(b), whichever pair
//     produced it in training (tiktoken's rule, used for the pretrained encodings).
// Both fit a `PairTable`: a hash table from two integers to one, so the hot loop never builds a
// string. Short chunks (nearly all) merge in a small array, scanning for the best pair each time;
// long ones (a run of 10,000 spaces) use a heap, so the cost is O(n log n) instead of tiktoken's
// O(n²).
//
// Left out: splitting text (patterns.ts), caching chunks and special tokens (tokenizer.ts).

/** Returned by `PairTable.get` when a pair does not merge. */
export const NO_MERGE = 0x7fffffff;

/**
 * A hash table (open addressing, linear probing) from a pair of ids (a, b) to the merged id. With
 * `onMiss`, a pair not yet in the table is computed on first use and remembered (NO_MERGE included):
 * the pretrained encodings fill their table this way instead of precomputing every pair at load.
 * Such a table only remembers, so it starts over past `memoLimit` pairs, bounding its memory.
 */
export class PairTable {
  private lefts: Int32Array;
  private rights: Int32Array;
  private ids: Int32Array;
  private mask: number;
  private count = 0;

  /** A table sized for about `expected` pairs; it grows when needed. */
  constructor(
    expected = 1024, private readonly onMiss?: (a: number, b: number) => number, private readonly memoLimit = 1 << 21,
  ) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.lefts = new Int32Array(cap).fill(-1);
    this.rights = new Int32Array(cap);
    this.ids = new Int32Array(cap);
    this.mask = cap - 1;
  }

  /** Pairs stored. */
  get size(): number {
    return this.count;
  }

  /**
   * The id (a, b) merges into, or NO_MERGE.
   *
   *   table.set(104, 105, 300); table.get(104, 105) → 300; table.get(105, 104) → NO_MERGE
   */
  get(a: number, b: number): number {
    for (let i = slot(a, b) & this.mask; ; i = (i + 1) & this.mask) {
      const l = this.lefts[i];
      if (l === a && this.rights[i] === b) return this.ids[i];
      if (l === -1) return this.onMiss === undefined ? NO_MERGE : this.learn(a, b);
    }
  }

  /** Records that (a, b) merges into `id` (or NO_MERGE), replacing an earlier entry for (a, b). */
  set(a: number, b: number, id: number): void {
    if ((this.count + 1) * 2 > this.lefts.length) this.grow();
    let i = slot(a, b) & this.mask;
    while (this.lefts[i] !== -1 && !(this.lefts[i] === a && this.rights[i] === b)) i = (i + 1) & this.mask;
    if (this.lefts[i] === -1) this.count++;
    this.lefts[i] = a;
    this.rights[i] = b;
    this.ids[i] = id;
  }

  private learn(a: number, b: number): number {
    const id = this.onMiss!(a, b);
    if (this.count >= this.memoLimit) this.forget();
    this.set(a, b, id);
    return id;
  }

  private forget(): void {
    this.lefts = new Int32Array(this.lefts.length).fill(-1);
    this.count = 0;
  }

  private grow(): void {
    const { lefts, rights, ids } = this;
    const bigger = new PairTable(lefts.length);
    for (let i = 0; i < lefts.length; i++) if (lefts[i] !== -1) bigger.set(lefts[i], rights[i], ids[i]);
    Object.assign(this, { lefts: bigger.lefts, rights: bigger.rights, ids: bigger.ids, mask: bigger.mask });
  }
}

/** Mixes two ids into a hash (multiplicative hashing with two odd constants). */
function slot(a: number, b: number): number {
  const h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b + 0x632be5ab, 0x85ebca77);
  return h ^ (h >>> 15);
}

/** Chunks longer than this merge with a heap (`mergeLong`). */
const LONG_CHUNK = 64;

/**
 * Merges `ids` (a chunk's bytes as token ids) with the table: while a pair merges, merge the pair
 * with the lowest merged id, leftmost on a tie. Overwrites and returns `ids`, shortened.
 *
 *   with (97, 97) → 256 and (256, 97) → 257:   bpeMerge([97, 97, 97, 98], table) → [257, 98]
 */
export function bpeMerge(ids: number[], table: PairTable): number[] {
  return ids.length > LONG_CHUNK ? mergeLong(ids, table) : mergeShort(ids, table);
}

/** bpeMerge for short chunks: O(n²), with tiny constants. `ranks[i]` is the merge of ids[i], ids[i + 1]. */
export function mergeShort(ids: number[], table: PairTable): number[] {
  const ranks: number[] = [];
  for (let i = 0; i + 1 < ids.length; i++) ranks.push(table.get(ids[i], ids[i + 1]));
  for (;;) {
    let best = NO_MERGE, at = -1;
    for (let i = 0; i < ranks.length; i++) if (ranks[i] < best) { best = ranks[i]; at = i; }
    if (at < 0) return ids;
    ids[at] = best;
    ids.splice(at + 1, 1);
    ranks.splice(at, 1);
    if (at > 0) ranks[at - 1] = table.get(ids[at - 1], best);
    if (at < ranks.length) ranks[at] = table.get(best, ids[at + 1]);
  }
}

/**
 * bpeMerge for long chunks: the tokens are a linked list over positions, and a min-heap holds
 * candidate merges as `rank * 2^32 + position`, so the lowest rank, then the leftmost, comes first.
 * An entry is stale when its tokens changed since; it is then skipped (lazy deletion).
 */
export function mergeLong(ids: number[], table: PairTable): number[] {
  const n = ids.length;
  const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1));
  const prev = Int32Array.from({ length: n }, (_, i) => i - 1);
  const heap = new MinHeap();
  const offer = (i: number) => {
    const j = next[i];
    const r = j < 0 ? NO_MERGE : table.get(ids[i], ids[j]);
    if (r !== NO_MERGE) heap.push(r * 2 ** 32 + i);
  };
  for (let i = 0; i + 1 < n; i++) offer(i);
  for (let e = heap.pop(); e !== undefined; e = heap.pop()) {
    const rank = Math.floor(e / 2 ** 32), i = e % 2 ** 32, j = next[i];
    if (prev[i] === -2 || j < 0 || table.get(ids[i], ids[j]) !== rank) continue; // stale
    ids[i] = rank;
    next[i] = next[j];
    if (next[j] >= 0) prev[next[j]] = i;
    prev[j] = -2; // j is gone
    if (prev[i] >= 0) offer(prev[i]);
    offer(i);
  }
  const out: number[] = [];
  for (let i = 0; i >= 0; i = next[i]) out.push(ids[i]);
  return out;
}

/** A binary min-heap of numbers. */
class MinHeap {
  private items: number[] = [];

  push(x: number): void {
    const a = this.items;
    let i = a.push(x) - 1;
    while (i > 0 && a[(i - 1) >> 1] > x) { a[i] = a[(i - 1) >> 1]; i = (i - 1) >> 1; }
    a[i] = x;
  }

  pop(): number | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0], last = a.pop()!;
    if (a.length === 0) return top;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= a.length) break;
      if (c + 1 < a.length && a[c + 1] < a[c]) c++;
      if (a[c] >= last) break;
      a[i] = a[c];
      i = c;
    }
    a[i] = last;
    return top;
  }
}
