// Lesson 7a of the tokenizer: a chunk cache that never builds a string.
//
// Natural text repeats its chunks (" the", ",", "\n"), so an encoder mostly answers "which ids did
// this chunk get last time?". A `Map<string, ids>` answers that, but each lookup first has to cut the
// chunk out of the text as a new string, hash it, and follow pointers to the stored key; together
// that costs more than the regex that found the chunk. This cache hashes the chunk where it lies in
// the text (its UTF-16 code units between two indices) and keeps everything in flat typed arrays:
// the slots with each entry's hash, the entries, the keys' code units, the ids. A hit allocates
// nothing and touches a few neighbouring cache lines.
//
// Left out: eviction policy. When full, the cache simply starts over: the chunks that matter come
// right back, and memory stays bounded however much distinct text is encoded.

/** Int32s per entry: where its key starts and its length, where its ids start and their count. */
const ENTRY = 4;

/** A cache from chunks of text to their ids, looked up by position in a text. */
export class ChunkCache {
  /** Entry index + 1 per slot (0: empty), and the entry's hash beside it for a quick reject. */
  private slots = new Int32Array(1024);
  private slotHashes = new Int32Array(1024);
  private entries = new Int32Array(ENTRY * 256);
  private chars = new Uint16Array(4096);
  private ids = new Int32Array(4096);
  private count = 0;
  private charsUsed = 0;
  private idsUsed = 0;

  /** A cache of at most `limit` chunks. */
  constructor(private readonly limit = 1 << 17) {}

  /** Chunks cached. */
  get size(): number {
    return this.count;
  }

  /**
   * Appends the ids cached for text[start, end) to `out`; false (and nothing appended) on a miss.
   * `hash` is `hashRange(text, start, end)`.
   */
  pushIds(text: string, start: number, end: number, hash: number, out: number[]): boolean {
    const mask = this.slots.length - 1, len = end - start;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const s = this.slots[i];
      if (s === 0) return false;
      if (this.slotHashes[i] !== hash) continue;
      const e = (s - 1) * ENTRY;
      if (this.entries[e + 1] !== len || !this.sameChars(this.entries[e], text, start, len)) continue;
      for (let k = this.entries[e + 2], stop = k + this.entries[e + 3]; k < stop; k++) out.push(this.ids[k]);
      return true;
    }
  }

  /** Caches `ids` for text[start, end) (whose hash is `hash`); starts over when full. */
  add(text: string, start: number, end: number, hash: number, ids: readonly number[]): void {
    if (this.count >= this.limit) this.clear();
    const len = end - start;
    this.reserve(len, ids.length);
    const e = this.count++ * ENTRY;
    this.entries.set([this.charsUsed, len, this.idsUsed, ids.length], e);
    for (let i = start; i < end; i++) this.chars[this.charsUsed++] = text.charCodeAt(i);
    for (const id of ids) this.ids[this.idsUsed++] = id;
    this.place(e / ENTRY + 1, hash);
  }

  /** Forgets every chunk. */
  clear(): void {
    this.slots.fill(0);
    this.count = this.charsUsed = this.idsUsed = 0;
  }

  private sameChars(at: number, text: string, start: number, len: number): boolean {
    for (let k = 0; k < len; k++) if (this.chars[at + k] !== text.charCodeAt(start + k)) return false;
    return true;
  }

  /** Puts entry `s` (index + 1) in the first free slot after its hash. */
  private place(s: number, hash: number): void {
    if (this.count * 2 > this.slots.length) this.rehash();
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i] !== 0) i = (i + 1) & mask;
    this.slots[i] = s;
    this.slotHashes[i] = hash;
  }

  /** Doubles the slots (entries keep their index) and places every entry again. */
  private rehash(): void {
    const old = { slots: this.slots, hashes: this.slotHashes };
    this.slots = new Int32Array(old.slots.length * 2);
    this.slotHashes = new Int32Array(old.slots.length * 2);
    const mask = this.slots.length - 1;
    const put = (s: number, hash: number) => {
      let i = hash & mask;
      while (this.slots[i] !== 0) i = (i + 1) & mask;
      this.slots[i] = s;
      this.slotHashes[i] = hash;
    };
    for (let i = 0; i < old.slots.length; i++) if (old.slots[i] !== 0) put(old.slots[i], old.hashes[i]);
  }

  /** Grows the pools so one more entry with `chars` code units and `ids` ids fits. */
  private reserve(chars: number, ids: number): void {
    if ((this.count + 1) * ENTRY > this.entries.length) this.entries = grown(this.entries, this.entries.length * 2);
    if (this.charsUsed + chars > this.chars.length) this.chars = grown(this.chars, 2 * (this.charsUsed + chars));
    if (this.idsUsed + ids > this.ids.length) this.ids = grown(this.ids, 2 * (this.idsUsed + ids));
  }
}

/** A copy of `a` with room for `n` elements. */
function grown<T extends Int32Array | Uint16Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/**
 * FNV-1a over the UTF-16 code units of text[start, end), as a 32-bit integer.
 *
 *   hashRange('a cat', 2, 5) === hashRange('cat', 0, 3) → true
 */
export function hashRange(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h ^ (h >>> 16)) | 0;
}
