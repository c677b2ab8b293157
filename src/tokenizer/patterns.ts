// Lesson 3 of the tokenizer: split the text before merging.
//
// Trained on raw bytes, BPE happily learns tokens like "dog." and "dog!" and " the dog" — wasteful,
// and it mixes words with punctuation. GPT-2 therefore first splits text into chunks with a regex
// (letters, digits, punctuation and whitespace apart; a leading space stays with the word) and only
// merges inside a chunk. GPT-4 (cl100k_base) and GPT-4o (o200k_base) refine the regex: numbers in
// groups of at most three digits, case-insensitive contractions, newlines kept apart, and (o200k)
// a split inside CamelCase words.
//
// OpenAI's patterns are written for Rust's regex engines; here they are rewritten for JavaScript,
// exactly (the tests compare ids with OpenAI's tiktoken):
//   - `\s` becomes `\p{White_Space}`: JavaScript's `\s` also matches U+FEFF and misses U+0085 (NEL),
//     unlike Rust's. (js-tiktoken keeps `\s`, and so differs from tiktoken on text with U+0085.)
//   - `(?i:'s|'t)` becomes explicit letter classes: JavaScript has no inline flags. Subtle: Rust folds
//     case by Unicode rules, where 's' also matches 'ſ' (U+017F, long s), so `'s` becomes `'[sSſ]`
//     (js-tiktoken writes `'s|'S` and so differs from tiktoken on "it'ſ").
//   - `\p{L}`, `\p{N}` and the other categories follow tiktoken's Unicode version, not Node's
//     (unicode.ts): a letter newer than tiktoken's tables is "other" there, and so here.
//   - possessive quantifiers (`x?+`, `x++`: match greedily, never give back) have no JavaScript
//     syntax. A lookahead is atomic, so `(?=(x+))\1` matches what `x++` matches: the lookahead
//     captures the greedy match, the back-reference consumes it, and backtracking cannot re-enter.
//     (In GPT-4's pattern the class that follows never overlaps the possessive one, so plain `x+`
//     would split the same; the tests check that too.)
//
// Left out: training and encoding; this file only splits.

import { category } from './unicode';

/** The split patterns gpt-lab knows: 'none' keeps each text whole (as minbpe's BasicTokenizer). */
export type PatternName = 'none' | 'gpt2' | 'gpt4' | 'o200k';

/** Every PatternName, for messages and argument checks. */
export const PATTERN_NAMES: readonly PatternName[] = ['none', 'gpt2', 'gpt4', 'o200k'];

/** OpenAI's original patterns (Rust syntax), for reference and for the notebook. */
export const ORIGINAL_PATTERNS: Record<Exclude<PatternName, 'none'>, string> = {
  gpt2: String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
  gpt4: String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+`,
  o200k: [
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^\s\p{L}\p{N}]+[\r\n/]*`,
    String.raw`\s*[\r\n]+`,
    String.raw`\s+(?!\S)`,
    String.raw`\s+`,
  ].join('|'),
};

const WS = String.raw`\p{White_Space}`;
const NOT_WS = String.raw`\P{White_Space}`;
/** Letters, numbers and marks as tiktoken's Unicode has them (unicode.ts). */
const L = category('L'), N = category('N');
/** GPT-4's contractions, `'(?i:[sdmt]|ll|ve|re)`, without the inline flag (ſ is a case of s). */
const CONTRACTION = String.raw`'(?:[sSſdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])`;
const UPPER = `[${category('Lu')}${category('Lt')}${category('Lm')}${category('Lo')}${category('M')}]`;
const LOWER = `[${category('Ll')}${category('Lm')}${category('Lo')}${category('M')}]`;

/** The flags the split patterns need besides g or y: `v` (Unicode sets, for the pinned categories). */
export const SPLIT_FLAGS = 'v';

/** The JavaScript versions (use with SPLIT_FLAGS): same splits as the originals. */
export const SPLIT_PATTERNS: Record<Exclude<PatternName, 'none'>, string> = {
  gpt2: String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?${L}+| ?${N}+| ?[^${WS}${L}${N}]+|${WS}+(?!${NOT_WS})|${WS}+`,
  gpt4: [
    CONTRACTION,
    String.raw`(?=([^\r\n${L}${N}]?))\1${L}+`, // [^\r\n\p{L}\p{N}]?+\p{L}+
    String.raw`${N}{1,3}`,
    String.raw` ?(?=([^${WS}${L}${N}]+))\2[\r\n]*`, // ' ?[^\s\p{L}\p{N}]++[\r\n]*'
    String.raw`${WS}*[\r\n]`,
    String.raw`${WS}+(?!${NOT_WS})`,
    String.raw`${WS}+`,
  ].join('|'),
  o200k: [
    String.raw`[^\r\n${L}${N}]?${UPPER}*${LOWER}+(?:${CONTRACTION})?`,
    String.raw`[^\r\n${L}${N}]?${UPPER}+${LOWER}*(?:${CONTRACTION})?`,
    String.raw`${N}{1,3}`,
    String.raw` ?[^${WS}${L}${N}]+[\r\n\/]*`,
    String.raw`${WS}*[\r\n]+`,
    String.raw`${WS}+(?!${NOT_WS})`,
    String.raw`${WS}+`,
  ].join('|'),
};

/**
 * A fresh global regex for a pattern (undefined for 'none'). Fresh, because a global regex carries
 * its position (`lastIndex`) between calls.
 *
 *   splitRegex('gpt2') → /'s|'t|…|\p{White_Space}+/gv
 */
export function splitRegex(name: PatternName): RegExp | undefined {
  return name === 'none' ? undefined : new RegExp(SPLIT_PATTERNS[name], `g${SPLIT_FLAGS}`);
}

/**
 * Splits text into the chunks BPE merges within; the chunks always join back to the text.
 *
 *   splitText("Hello world's  123456!!", 'gpt4') → ['Hello', ' world', "'s", ' ', ' ', '123', '456', '!!']
 *   splitText('Hello world', 'none')             → ['Hello world']
 */
export function splitText(text: string, name: PatternName): string[] {
  const re = splitRegex(name);
  if (re === undefined) return text.length > 0 ? [text] : [];
  return Array.from(text.matchAll(re), (m) => m[0]);
}

/**
 * Whether `name` is a PatternName, for values read from files and the command line.
 *
 *   isPatternName('gpt4') → true      isPatternName('gpt3') → false
 */
export function isPatternName(name: unknown): name is PatternName {
  return typeof name === 'string' && (PATTERN_NAMES as readonly string[]).includes(name);
}
