// Export, part 1: the tokenizer as Hugging Face's tokenizer.json (the `tokenizers` library's format).
//
// A checkpoint knows its tokenizer in one of three ways (src/train/checkpoint.ts): a char vocabulary
// (Tiny Shakespeare's 65 characters), the chat char tokenizer (printable ASCII + chat specials), or a
// byte-level BPE saved beside the weights as tokenizer.json in gpt-lab's own format. All three become
// one HF "BPE" model:
//
//   byte-level BPE  vocab: each token's bytes through GPT-2's byte → character map ('Ġ' is the space);
//                   merges "left right" in merge order; a ByteLevel pre-tokenizer (GPT-2's pattern) or
//                   a Split on OpenAI's pattern (gpt4, o200k) followed by ByteLevel without its regex
//   char-level      vocab: one entry per character, no merges and no pre-tokenizer, so every character
//                   of the text is its own token; decoder Fuse (join the tokens without spaces)
//
// Special tokens go into added_tokens (special: true). subtle: HF's tokenizer turns a special token's
// name found in the text into its id; the lab's encode never does (the char tokenizer reads it as
// characters, the BPE refuses it unless allowed). On text without special names the ids agree.
// A tiktoken-style vocabulary (rule 'ranks') gets the merges that rebuild each token from the two
// tokens BPE would join last, and ignore_merges (a chunk that is a whole token is that token).
// Left out: normalizers, WordPiece/Unigram models, tokenizers whose merges make one byte string twice.

import { bytesKey } from '../tokenizer/bytes';
import { ORIGINAL_PATTERNS, type PatternName } from '../tokenizer/patterns';
import { Tokenizer } from '../tokenizer/tokenizer';
import { type Pair } from '../tokenizer/base';
import { toJSON, fromJSON } from '../tokenizer/io';
import { CHAT_SPECIALS, PRINTABLE_ASCII } from '../data/char-tokenizer';
import { assert, GptLabError } from '../util/assert';

/** A checkpoint's tokenizer, as the export sees it. */
export type LabTokenizer =
  // char i = id i, special j = chars.length + j
  | { kind: 'chars'; chars: readonly string[]; specials: readonly string[] }
  | { kind: 'bpe'; tokenizer: Tokenizer };

/** The chat char tokenizer of src/data/char-tokenizer.ts as a LabTokenizer. */
export function chatCharTokenizer(): LabTokenizer {
  return { kind: 'chars', chars: Array.from(PRINTABLE_ASCII), specials: [...CHAT_SPECIALS] };
}

/**
 * GPT-2's map from bytes to printable characters: the printable Latin-1 bytes map to themselves, the
 * other 68 to U+0100 onwards in byte order, so every token is a string of visible characters.
 *
 *   byteToUnicode()[32] → 'Ġ' (U+0120)   byteToUnicode()[97] → 'a'   byteToUnicode()[10] → 'Ċ'
 */
export function byteToUnicode(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
  const out: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(keep(b) ? b : next++));
  return out;
}

const B2U = byteToUnicode();
const U2B = new Map(B2U.map((c, b) => [c, b]));

/** A token's bytes as GPT-2's visible string: byteString(Uint8Array.of(32, 116)) → 'Ġt'. */
function byteString(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += B2U[bytes[i]];
  return s;
}

/** The inverse of byteString; undefined when a character is not in the map. */
function stringBytes(s: string): number[] | undefined {
  const out: number[] = [];
  for (const c of s) {
    const b = U2B.get(c);
    if (b === undefined) return undefined;
    out.push(b);
  }
  return out;
}

/** One entry of added_tokens. */
interface AddedToken {
  id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean;
  special: boolean;
}

/** The parts of tokenizer.json that gpt-lab writes and reads. */
export interface HfTokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: AddedToken[];
  normalizer: unknown;
  pre_tokenizer: unknown;
  post_processor: unknown;
  decoder: unknown;
  model: {
    type: string; dropout: null; unk_token: string | null; continuing_subword_prefix: string | null;
    end_of_word_suffix: string | null; fuse_unk: boolean; byte_fallback: boolean; ignore_merges?: boolean;
    vocab: Record<string, number>; merges: string[];
  };
}

function added(id: number, content: string): AddedToken {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

const BYTE_LEVEL = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };

/** The pre-tokenizer of a split pattern: GPT-2's is ByteLevel's own regex; others a Split before it. */
function preTokenizer(pattern: PatternName): unknown {
  if (pattern === 'gpt2') return BYTE_LEVEL;
  const noRegex = { ...BYTE_LEVEL, use_regex: false };
  if (pattern === 'none') return noRegex;
  const split = { type: 'Split', pattern: { Regex: ORIGINAL_PATTERNS[pattern] }, behavior: 'Isolated', invert: false };
  return { type: 'Sequence', pretokenizers: [split, noRegex] };
}

/**
 * The merges of a tiktoken-style vocabulary (rule 'ranks'): for each token of two or more bytes, in
 * rank order, the pair BPE joins last when it builds the token from lower-ranked tokens only.
 *
 *   mergesFromRanks(a vocabulary with 256 bytes, 'ab' = 256, 'abc' = 257) → [[97, 98], [256, 99]]
 */
export function mergesFromRanks(tok: Tokenizer): Pair[] {
  const ids = new Map<string, number>();
  for (let id = 0; id < tok.learnedSize; id++) if (tok.hasToken(id)) ids.set(bytesKey(tok.tokenBytes(id)), id);
  const merges: Pair[] = [];
  for (let id = 0; id < tok.learnedSize; id++) {
    if (!tok.hasToken(id)) continue;
    const bytes = tok.tokenBytes(id);
    if (bytes.length < 2) continue;
    let parts = Array.from(bytes, (b) => String.fromCharCode(b)); // byte strings (bytesKey form)
    while (parts.length > 2) {
      let best = -1;
      let bestRank = id; // only tokens made before this one
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = ids.get(parts[i] + parts[i + 1]);
        if (r !== undefined && r < bestRank) { best = i; bestRank = r; }
      }
      assert(best >= 0, () => `token ${id} cannot be built from lower-ranked tokens; the vocabulary has no BPE merges`);
      parts = [...parts.slice(0, best), parts[best] + parts[best + 1], ...parts.slice(best + 2)];
    }
    const [a, b] = parts.map((p) => ids.get(p));
    assert(a !== undefined && b !== undefined,
      () => `token ${id}'s halves are not tokens; the vocabulary has no BPE merges`);
    merges.push([a, b]);
  }
  return merges;
}

/** tokenizer.json of a byte-level BPE. */
function bpeJson(tok: Tokenizer): HfTokenizerJson {
  const vocab: Record<string, number> = {};
  for (let id = 0; id < tok.learnedSize; id++) {
    if (!tok.hasToken(id)) continue;
    const s = byteString(tok.tokenBytes(id));
    assert(vocab[s] === undefined, () => `tokens ${vocab[s]} and ${id} have the same bytes (${JSON.stringify(s)}); ` +
      'a Hugging Face vocabulary maps each string to one id, so this tokenizer cannot be exported');
    vocab[s] = id;
  }
  const pairs = tok.rule === 'merges' ? tok.merges! : mergesFromRanks(tok);
  const merges = pairs.map(([a, b]) => `${byteString(tok.tokenBytes(a))} ${byteString(tok.tokenBytes(b))}`);
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: [...tok.specialTokens].map(([name, id]) => added(id, name)).sort((x, y) => x.id - y.id),
    normalizer: null,
    pre_tokenizer: preTokenizer(tok.pattern),
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, vocab, merges,
      // a chunk that is a whole token is that token (tiktoken's rule); tokenizers >= 0.19 knows the field
      ...(tok.rule === 'ranks' ? { ignore_merges: true } : {}),
    },
  };
}

/** tokenizer.json of a char-level tokenizer: every character a token, no merges. */
function charsJson(chars: readonly string[], specials: readonly string[]): HfTokenizerJson {
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: specials.map((name, i) => added(chars.length + i, name)),
    normalizer: null, pre_tokenizer: null, post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false,
      vocab: Object.fromEntries(chars.map((c, i) => [c, i])), merges: [],
    },
  };
}

/**
 * A lab tokenizer as HF tokenizer.json.
 *
 *   toHfTokenizer({ kind: 'chars', chars: ['a', 'b'], specials: ['<|endoftext|>'] }).model.vocab → { a: 0, b: 1 }
 */
export function toHfTokenizer(t: LabTokenizer): HfTokenizerJson {
  return t.kind === 'chars' ? charsJson(t.chars, t.specials) : bpeJson(t.tokenizer);
}

/** The split pattern of a byte-level pre-tokenizer, or an error naming what was found. */
function patternOf(pre: unknown, source: string): PatternName {
  const p = pre as { type?: string; use_regex?: boolean; pretokenizers?: unknown[] } | null;
  const byteLevel = (x: unknown) => (x as { type?: string } | null)?.type === 'ByteLevel';
  if (byteLevel(p)) return p!.use_regex === false ? 'none' : 'gpt2';
  if (p?.type === 'Sequence' && p.pretokenizers?.length === 2 && byteLevel(p.pretokenizers[1])) {
    const s = p.pretokenizers[0] as { type?: string; pattern?: { Regex?: string }; behavior?: string };
    const regex = s.pattern?.Regex;
    for (const name of ['gpt2', 'gpt4', 'o200k'] as const) {
      if (s.type === 'Split' && regex === ORIGINAL_PATTERNS[name] && s.behavior === 'Isolated') return name;
    }
    throw new GptLabError(`${source}: the split pattern ${JSON.stringify(regex)} is not one gpt-lab knows ` +
      "(GPT-2's, cl100k's or o200k's)");
  }
  throw new GptLabError(`${source}: pre_tokenizer ${JSON.stringify(pre).slice(0, 120)} ` +
    'is neither ByteLevel nor Split + ByteLevel; gpt-lab reads byte-level BPE and char-level tokenizers');
}

/**
 * A lab tokenizer from HF tokenizer.json (as written by toHfTokenizer, or a GPT-2-style byte-level
 * BPE); `source` names the file in errors. A byte-level vocabulary in gpt-lab's layout (ids 0..255 the
 * bytes, 256 + i made by merge i) keeps the 'merges' rule; any other (GPT-2's own) loads as ranks, which
 * gives the same ids when the merges are listed in the order of the tokens they make, as GPT-2's are.
 *
 *   fromHfTokenizer(toHfTokenizer(t), 'tokenizer.json') → t (the same ids for every text)
 */
export function fromHfTokenizer(json: unknown, source: string): LabTokenizer {
  const j = json as Partial<HfTokenizerJson> | null;
  assert(j !== null && typeof j === 'object' && j.model?.type === 'BPE' && typeof j.model.vocab === 'object',
    () => `${source} has no BPE model (model.type ${JSON.stringify(j?.model?.type)}); ` +
      'gpt-lab reads byte-level BPE and char-level tokenizers');
  assert(j.normalizer === null || j.normalizer === undefined,
    () => `${source} has a normalizer (${JSON.stringify(j.normalizer)}), which gpt-lab's tokenizers lack`);
  const specials = (j.added_tokens ?? []).filter((a) => a.special).sort((a, b) => a.id - b.id);
  const vocab = Object.entries(j.model.vocab).sort((a, b) => a[1] - b[1]);
  const merges = (j.model.merges ?? []).map((m) => (Array.isArray(m) ? m as string[] : String(m).split(' ')));
  if (j.pre_tokenizer === null || j.pre_tokenizer === undefined) {
    // char-level: every vocab entry one character, ids 0..n-1, specials after them
    assert(merges.length === 0 && vocab.every(([s, id], i) => Array.from(s).length === 1 && id === i),
      () => `${source} has no pre-tokenizer but is not char-level (single characters with ids 0..n-1 and no merges)`);
    const chars = vocab.map(([s]) => s);
    specials.forEach((a, i) => assert(a.id === chars.length + i,
      () => `${source}: special token ${a.content} has id ${a.id}, expected ${chars.length + i} ` +
        '(right after the characters)'));
    return { kind: 'chars', chars, specials: specials.map((a) => a.content) };
  }
  const pattern = patternOf(j.pre_tokenizer, source);
  const specialIds = new Set(specials.map((a) => a.id));
  const bytesOf = new Map<number, number[]>();
  for (const [s, id] of vocab) {
    if (specialIds.has(id)) continue; // GPT-2 lists <|endoftext|> in its vocab too
    const b = stringBytes(s);
    assert(b !== undefined && b.length > 0,
      () => `${source}: vocab entry ${JSON.stringify(s)} is not a byte-level token`);
    bytesOf.set(id, b);
  }
  const specialMap = new Map(specials.map((a) => [a.content, a.id]));
  const idOf = new Map(vocab);
  const ours = vocab.length === 256 + merges.length && vocab.every(([, id], i) => id === i)
    && vocab.slice(0, 256).every(([s], b) => s === B2U[b])
    && merges.every(([l, r], i) => idOf.get(l + r) === 256 + i);
  if (ours) {
    const pairs: Pair[] = merges.map(([l, r]) => [idOf.get(l)!, idOf.get(r)!]);
    return { kind: 'bpe', tokenizer: Tokenizer.fromMerges(pairs, pattern, specialMap) };
  }
  const keys: (string | undefined)[] = [];
  for (const [id, b] of bytesOf) keys[id] = bytesKey(b);
  return { kind: 'bpe', tokenizer: Tokenizer.fromRankKeys(keys, pattern, specialMap) };
}

/** gpt-lab's own tokenizer file for a BPE (what a checkpoint keeps as tokenizer.json). */
export function labTokenizerFile(tok: Tokenizer): string {
  return JSON.stringify(toJSON(tok)) + '\n';
}

/** A BPE from gpt-lab's own tokenizer file text. */
export function readLabTokenizerFile(text: string, source: string): Tokenizer {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new GptLabError(`${source} is not valid JSON (${(e as Error).message}); the checkpoint is damaged`);
  }
  return fromJSON(data, source);
}
