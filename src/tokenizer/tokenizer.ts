// Lesson 7b of the tokenizer: putting it together.
//
// A `Tokenizer` is a split pattern (patterns.ts), a table of merges (bpe.ts) with the bytes of every
// token, and special tokens (special.ts). It comes from training (`train`, this file), from OpenAI's
// rank files (pretrained.ts, io.ts) or from a saved file (io.ts). Encoding splits the text, then looks
// each chunk up in a cache (cache.ts) before running BPE: natural text repeats its chunks, so nearly
// every chunk is a cache hit.
//
// Two merge rules, one encoder (see bpe.ts): 'merges' for tokenizers trained here (minbpe's rule),
// 'ranks' for tiktoken vocabularies, where a chunk that is exactly one token's bytes is that token
// (tiktoken checks this first, and so does gpt-lab, to give the same ids).
//
// Decoding joins the tokens' bytes; `decode` reads them as UTF-8, showing each invalid sequence as
// U+FFFD. So `decode(encode(s)) === s` for every well-formed string; a lone surrogate (half of a UTF-16
// pair, which has no UTF-8 form) comes back as U+FFFD, as with `toWellFormed` in bytes.ts.
//
// Left out: reading and writing files (io.ts, pretrained.ts).

import { type Pair } from './base';
import { bytesKey, keyBytes, utf8Decode, utf8Encode } from './bytes';
import { bpeMerge, NO_MERGE, PairTable } from './bpe';
import { ChunkCache, hashRange } from './cache';
import { isPatternName, PATTERN_NAMES, SPLIT_FLAGS, SPLIT_PATTERNS, splitRegex, type PatternName } from './patterns';
import {
  checkDisallowed, checkSpecialTokens, MAX_ID, resolveSpecial, specialRegex, splitOnSpecials, type EncodeOptions,
} from './special';
import { countChunks, learnMerges, type MergeEvent } from './train';
import { assert } from '../util/assert';

/** How pairs merge: 'merges' (trained here, minbpe) or 'ranks' (tiktoken). See bpe.ts. */
export type MergeRule = 'merges' | 'ranks';

/** Chunks longer than this (in UTF-16 code units) are not cached: they rarely repeat. */
const CACHE_MAX_CHUNK = 256;

/**
 * A byte-level BPE tokenizer. Build one with `train`, `getEncoding` (pretrained.ts), `loadTokenizer`
 * (io.ts), `Tokenizer.fromMerges` or `Tokenizer.fromRanks`. In the examples, gpt2 = getEncoding('r50k_base').
 */
export class Tokenizer {
  /** Special tokens by name. */
  readonly specialTokens: ReadonlyMap<string, number>;
  /** The merges in order (token 256 + i = merge i) for rule 'merges'; undefined for 'ranks'. */
  readonly merges: readonly Pair[] | undefined;
  private readonly vocab: Vocab;
  private readonly byteIds: Int32Array;
  private readonly table: PairTable;
  /** Rule 'ranks': token bytes (as `bytesKey`) → id, for the whole-chunk check. */
  private readonly wholeTokens: Map<string, number> | undefined;
  private readonly specialNames: string[];
  private readonly specialBytes = new Map<number, Uint8Array>();
  /** The split pattern as a sticky regex (it matches at `lastIndex` or fails), and as a global one. */
  private readonly sticky: RegExp | undefined;
  private readonly global: RegExp | undefined;
  private readonly cache = new ChunkCache();

  private constructor(readonly pattern: PatternName, readonly rule: MergeRule, parts: {
    vocab: Vocab; byteIds: Int32Array; table: PairTable; merges?: readonly Pair[]; wholeTokens?: Map<string, number>;
    specialTokens: ReadonlyMap<string, number>;
  }) {
    assert(isPatternName(pattern), () => `unknown split pattern '${pattern}'; known: ${PATTERN_NAMES.join(', ')}`);
    checkSpecialTokens(parts.specialTokens, (id) => parts.vocab.has(id));
    ({ vocab: this.vocab, byteIds: this.byteIds, table: this.table, merges: this.merges } = parts);
    this.wholeTokens = parts.wholeTokens;
    this.specialTokens = new Map(parts.specialTokens);
    this.specialNames = [...this.specialTokens.keys()];
    for (const [name, id] of this.specialTokens) this.specialBytes.set(id, utf8Encode(name));
    this.global = splitRegex(pattern);
    this.sticky = pattern === 'none' ? undefined : new RegExp(SPLIT_PATTERNS[pattern], `y${SPLIT_FLAGS}`);
  }

  /**
   * A tokenizer from merges (token 256 + i = merges[i]), with the 'merges' rule.
   *
   *   Tokenizer.fromMerges([[97, 97]], 'none').encodeOrdinary('aaa') → [256, 97]
   */
  static fromMerges(
    merges: readonly Pair[], pattern: PatternName, specialTokens: ReadonlyMap<string, number> = new Map(),
  ): Tokenizer {
    const table = new PairTable(merges.length);
    const keys = Array.from({ length: 256 }, (_, b) => String.fromCharCode(b));
    merges.forEach(([a, b], i) => {
      const id = 256 + i;
      assert(Number.isInteger(a) && Number.isInteger(b) && a >= 0 && b >= 0 && a < id && b < id,
        () => `merge ${i} is [${a}, ${b}], but a merge can only join tokens made before it (ids 0..${id - 1})`);
      assert(table.get(a, b) === NO_MERGE,
        () => `merge ${i} repeats the pair [${a}, ${b}] of merge ${table.get(a, b) - 256}`);
      table.set(a, b, id);
      keys.push(keys[a] + keys[b]);
    });
    const byteIds = Int32Array.from({ length: 256 }, (_, b) => b);
    return new Tokenizer(pattern, 'merges',
      { vocab: new Vocab(keys), byteIds, table, merges: merges.slice(), specialTokens });
  }

  /**
   * A tokenizer from tiktoken ranks: `tokens[id]` holds the bytes of token `id` (undefined for an
   * unused id). Every single byte must be a token, and no two tokens may share bytes.
   *
   *   Tokenizer.fromRanks(bytes0to255.concat([Uint8Array.of(97, 97)]), 'none').encodeOrdinary('aa') → [256]
   */
  static fromRanks(
    tokens: readonly (Uint8Array | undefined)[], pattern: PatternName,
    specialTokens: ReadonlyMap<string, number> = new Map(),
  ): Tokenizer {
    const keys: (string | undefined)[] = [];
    for (let id = 0; id < tokens.length; id++) keys.push(tokens[id] === undefined ? undefined : bytesKey(tokens[id]!));
    return Tokenizer.fromRankKeys(keys, pattern, specialTokens);
  }

  /**
   * `fromRanks` with each token's bytes as a byte string (one char per byte, see `bytesKey`), the
   * form the rank files decode to without allocating a byte array per token.
   *
   *   Tokenizer.fromRankKeys(chars0to255.concat(['aa']), 'none').encodeOrdinary('aa') → [256]
   */
  static fromRankKeys(
    keys: readonly (string | undefined)[], pattern: PatternName, specialTokens: ReadonlyMap<string, number> = new Map(),
  ): Tokenizer {
    assert(keys.length < MAX_ID, () => `${keys.length} tokens is more than gpt-lab supports (${MAX_ID - 1})`);
    const wholeTokens = new Map<string, number>();
    for (let id = 0; id < keys.length; id++) {
      const key = keys[id];
      if (key === undefined) continue;
      const other = wholeTokens.get(key);
      assert(other === undefined,
        () => `tokens ${other} and ${id} have the same bytes [${Array.from(keyBytes(key))}]; ` +
          `each token's bytes must be unique`);
      wholeTokens.set(key, id);
    }
    const vocab = new Vocab(keys);
    const byteIds = singleByteIds(wholeTokens);
    return new Tokenizer(pattern, 'ranks',
      { vocab, byteIds, table: rankTable(vocab, wholeTokens), wholeTokens, specialTokens });
  }

  /** One more than the largest id, special tokens included (tiktoken's n_vocab). */
  get vocabSize(): number {
    return Math.max(this.vocab.size, ...[...this.specialTokens.values()].map((id) => id + 1));
  }

  /** Ids below this may be learned tokens (the largest learned id + 1). */
  get learnedSize(): number {
    return this.vocab.size;
  }

  /**
   * Whether `id` is a learned token (false for special tokens and unused ids).
   *
   *   gpt2.hasToken(50255) → true      gpt2.hasToken(50256) → false  ('<|endoftext|>' is special)
   */
  hasToken(id: number): boolean {
    return this.vocab.has(id);
  }

  /**
   * The bytes of one token (special tokens: the UTF-8 of their name).
   *
   *   gpt2.tokenBytes(31373) → Uint8Array [104, 101, 108, 108, 111]   ('hello')
   */
  tokenBytes(id: number): Uint8Array {
    const special = this.specialBytes.get(id);
    if (special !== undefined) return special;
    this.checkId(id);
    return this.vocab.bytes(id);
  }

  /**
   * Encodes text, all of it as ordinary text: special-token names are just characters here.
   *
   *   gpt2.encodeOrdinary('hello world') → [31373, 995]
   */
  encodeOrdinary(text: string): number[] {
    const out: number[] = [];
    this.encodeInto(text, out);
    return out;
  }

  /**
   * Encodes text with tiktoken's rule for special tokens (special.ts): allowed ones become their id,
   * disallowed ones (by default, all) are an error, others are ordinary text.
   *
   *   gpt2.encode('hi<|endoftext|>', { allowedSpecial: 'all' }) → [5303, 50256]
   *   gpt2.encode('hi<|endoftext|>')                            → throws GptLabError
   */
  encode(text: string, options: EncodeOptions = {}): number[] {
    const { allowed, disallowed } = resolveSpecial(this.specialNames, options);
    checkDisallowed(text, disallowed);
    if (allowed.size === 0) return this.encodeOrdinary(text);
    const out: number[] = [];
    splitOnSpecials(text, specialRegex(allowed)).forEach((part, i) => {
      if (i % 2 === 0) this.encodeInto(part, out);
      else out.push(this.specialTokens.get(part)!);
    });
    return out;
  }

  /**
   * The bytes of a sequence of ids.
   *
   *   gpt2.decodeBytes([31373, 995]) → Uint8Array [104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100]
   */
  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    let n = 0;
    for (let i = 0; i < ids.length; i++) n += this.tokenBytes(ids[i]).length;
    const out = new Uint8Array(n);
    for (let i = 0, at = 0; i < ids.length; i++) {
      const t = this.tokenBytes(ids[i]);
      out.set(t, at);
      at += t.length;
    }
    return out;
  }

  /**
   * The text of a sequence of ids; bytes that are not valid UTF-8 show as U+FFFD.
   *
   *   gpt2.decode([31373, 995]) → 'hello world'      gpt2.decode([129]) → '\uFFFD' (half of a character)
   */
  decode(ids: ArrayLike<number>): string {
    return utf8Decode(this.decodeBytes(ids));
  }

  /**
   * Splits with the pattern and encodes each chunk, appending ids to `out`. The sticky regex matches
   * chunk after chunk; OpenAI's patterns match every character, but should one ever fail, the global
   * regex skips to the next match, as tiktoken does.
   */
  private encodeInto(text: string, out: number[]): void {
    const re = this.sticky;
    if (re === undefined) {
      if (text.length > 0) this.encodeRange(text, 0, text.length, out);
      return;
    }
    for (let at = 0; at < text.length;) {
      re.lastIndex = at;
      if (re.test(text)) {
        const end = re.lastIndex;
        this.encodeRange(text, at, end, out);
        at = end;
      } else {
        this.global!.lastIndex = at;
        const m = this.global!.exec(text);
        if (m === null) return;
        at = m.index;
      }
    }
  }

  /**
   * Encodes the chunk text[start, end), from the cache when it was seen before. A one-character
   * ASCII chunk (" ", ",", "\n": a third of English chunks) is one byte, which no merge can change.
   */
  private encodeRange(text: string, start: number, end: number, out: number[]): void {
    if (end - start === 1) {
      const c = text.charCodeAt(start);
      if (c < 128) { out.push(this.byteIds[c]); return; }
    }
    const cacheable = end - start <= CACHE_MAX_CHUNK;
    const hash = cacheable ? hashRange(text, start, end) : 0;
    if (cacheable && this.cache.pushIds(text, start, end, hash, out)) return;
    const ids = this.encodeChunk(text.slice(start, end));
    if (cacheable) this.cache.add(text, start, end, hash, ids);
    for (let i = 0; i < ids.length; i++) out.push(ids[i]);
  }

  /** BPE on one chunk (a cache miss). */
  private encodeChunk(chunk: string): number[] {
    const bytes = utf8Encode(chunk);
    const whole = this.wholeTokens?.get(bytesKey(bytes));
    if (whole !== undefined) return [whole];
    const ids = new Array<number>(bytes.length);
    for (let i = 0; i < bytes.length; i++) ids[i] = this.byteIds[bytes[i]];
    return bpeMerge(ids, this.table);
  }

  private checkId(id: number): void {
    assert(this.vocab.has(id), () => `token id ${id} is not in this tokenizer (learned ids: 0..${this.vocab.size - 1}` +
      `${this.specialTokens.size > 0 ? `, special: ${[...this.specialTokens.values()].join(', ')}` : ''})`);
  }
}

/** Options of `train`. */
export interface TrainOptions {
  /** Learned tokens wanted: 256 bytes + (vocabSize - 256) merges; at least 256. */
  vocabSize: number;
  /** How to split text before merging; default 'gpt4'. */
  pattern?: PatternName;
  /** Special tokens, given the ids right after the learned ones; default ['<|endoftext|>']. */
  specialTokens?: readonly string[];
  /** Called after each merge (a notebook shows the first ones, a terminal a progress bar). */
  onMerge?: (event: MergeEvent) => void;
}

/**
 * Trains a tokenizer on one text or several documents (a chunk never spans two). The text of special
 * tokens is cut out before counting, so no merge learns it. Stops early if the text runs out of pairs.
 *
 *   train('aaabdaaabac', { vocabSize: 259, pattern: 'none' }).encodeOrdinary('aaabdaaabac') → [258, 100, 258, 97, 99]
 */
export function train(text: string | readonly string[], options: TrainOptions): Tokenizer {
  const { vocabSize, pattern = 'gpt4', specialTokens = ['<|endoftext|>'], onMerge } = options;
  assert(new Set(specialTokens).size === specialTokens.length,
    () => `specialTokens lists a token twice: [${specialTokens.join(', ')}]`);
  const docs = typeof text === 'string' ? [text] : text;
  const pieces = specialTokens.length === 0 ? docs
    : docs.flatMap((d) => splitOnSpecials(d, specialRegex(specialTokens)).filter((_, i) => i % 2 === 0));
  const merges = learnMerges(countChunks(pieces, pattern), vocabSize, onMerge);
  const specials = new Map(specialTokens.map((name, i) => [name, 256 + merges.length + i]));
  return Tokenizer.fromMerges(merges, pattern, specials);
}

/** The bytes of every learned token, packed in one buffer. */
class Vocab {
  private readonly data: Uint8Array;
  /** Token id's bytes are data[starts[id] .. starts[id + 1]]; -1 marks an unused id. */
  private readonly starts: Int32Array;

  /** From each token's bytes as a byte string (undefined for an unused id). */
  constructor(keys: readonly (string | undefined)[]) {
    this.starts = new Int32Array(keys.length + 1);
    let n = 0;
    for (let id = 0; id < keys.length; id++) n += keys[id]?.length ?? 0;
    this.data = new Uint8Array(n);
    let at = 0;
    for (let id = 0; id < keys.length; id++) {
      const key = keys[id];
      this.starts[id] = key === undefined ? -1 : at;
      if (key !== undefined) for (let i = 0; i < key.length; i++) this.data[at++] = key.charCodeAt(i);
    }
    this.starts[keys.length] = at;
  }

  get size(): number {
    return this.starts.length - 1;
  }

  has(id: number): boolean {
    return Number.isInteger(id) && id >= 0 && id < this.size && this.starts[id] >= 0;
  }

  bytes(id: number): Uint8Array {
    let end = -1;
    for (let j = id + 1; end < 0; j++) end = this.starts[j];
    return this.data.subarray(this.starts[id], end);
  }
}

/** The id of each single byte in a tiktoken vocabulary (keyed by bytesKey); all 256 must exist. */
function singleByteIds(wholeTokens: Map<string, number>): Int32Array {
  const ids = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const id = wholeTokens.get(String.fromCharCode(b));
    assert(id !== undefined, () => `byte ${b} (0x${b.toString(16).padStart(2, '0')}) is not a token; a byte-level ` +
      'vocabulary needs all 256 single bytes (is the vocabulary smaller than 256, or the file truncated?)');
    ids[b] = id;
  }
  return ids;
}

/**
 * tiktoken's rule as a PairTable: (a, b) → the token whose bytes are bytes(a) + bytes(b). Filled on
 * demand: a vocabulary of 200k tokens has millions of such pairs, and text uses few of them.
 */
function rankTable(vocab: Vocab, wholeTokens: Map<string, number>): PairTable {
  const merged = (a: number, b: number) =>
    wholeTokens.get(bytesKey(vocab.bytes(a)) + bytesKey(vocab.bytes(b))) ?? NO_MERGE;
  return new PairTable(1 << 16, merged);
}
