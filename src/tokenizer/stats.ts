// Lesson 9 of the tokenizer: measuring one.
//
// How good is a vocabulary on some text? The usual yardsticks: bytes per token (how much text each
// token carries; more means shorter sequences, so a longer effective context and cheaper training)
// and words per token (the "1 token ≈ 0.75 words" rule of thumb for English). This file counts them,
// and cuts a trained tokenizer down to its first merges, so that a single training run gives the
// tokenizer of every smaller vocabulary size: BPE is greedy, so training to 512 learns exactly the
// first 256 merges that training to 4096 learns.
//
// Left out: the training and encoding themselves (train.ts, tokenizer.ts).

import { utf8Encode } from './bytes';
import { Tokenizer } from './tokenizer';
import { assert } from '../util/assert';

/** What `measure` counts. */
export interface TextStats {
  /** Tokens of the text, all of it encoded as ordinary text. */
  tokens: number;
  /** Its UTF-8 bytes. */
  bytes: number;
  /** Its words, as `countWords` counts them. */
  words: number;
  bytesPerToken: number;
  wordsPerToken: number;
}

const words = new Intl.Segmenter('en', { granularity: 'word' });

/**
 * Words in a text, by Unicode word boundaries (Intl.Segmenter): punctuation and spaces are not words,
 * "don't" and 3.14 are one each, and Chinese, written without spaces, is cut into words by a
 * dictionary.
 *
 *   countWords("Don't stop, 3.14 times.") → 4      countWords('你好世界') → 2 (你好, 世界)
 */
export function countWords(text: string): number {
  let n = 0;
  // subtle: segmenting one long string is very slow (minutes for 1 MB in Node 20); a word never spans
  // a line break, so segment line by line (under a second for 1 MB).
  for (const line of text.split('\n')) for (const s of words.segment(line)) if (s.isWordLike) n++;
  return n;
}

/**
 * Tokens, bytes and words of a text under a tokenizer (special-token names count as ordinary text).
 *
 *   measure(getEncoding('cl100k_base'), 'hello world')
 *   → { tokens: 2, bytes: 11, words: 2, bytesPerToken: 5.5, wordsPerToken: 1 }
 */
export function measure(tok: Tokenizer, text: string): TextStats {
  const tokens = tok.encodeOrdinary(text).length;
  const bytes = utf8Encode(text).length;
  const w = countWords(text);
  return { tokens, bytes, words: w, bytesPerToken: bytes / tokens, wordsPerToken: w / tokens };
}

/**
 * UTF-8 bytes per token (special-token names count as ordinary text); cheaper than `measure`, which
 * also counts words.
 *
 *   bytesPerToken(getEncoding('cl100k_base'), 'hello world') → 5.5
 */
export function bytesPerToken(tok: Tokenizer, text: string): number {
  return utf8Encode(text).length / tok.encodeOrdinary(text).length;
}

/**
 * The tokenizer made of the first `vocabSize - 256` merges of a trained one: what training to
 * `vocabSize` would have given. Special tokens keep their names and get the ids after the learned ones.
 *
 *   truncateVocab(train(text, { vocabSize: 4096 }), 512).merges → train(text, { vocabSize: 512 }).merges
 */
export function truncateVocab(tok: Tokenizer, vocabSize: number): Tokenizer {
  const merges = tok.merges;
  assert(merges !== undefined, () => 'truncateVocab needs a tokenizer with merges (one trained here, rule ' +
    `'merges'); this one has rule '${tok.rule}', whose ranks are not a sequence of merges`);
  assert(Number.isInteger(vocabSize) && vocabSize >= 256 && vocabSize <= 256 + merges.length,
    () => `vocabSize (${vocabSize}) must be an integer from 256 to ${256 + merges.length}, ` +
      `the size this tokenizer was trained to`);
  const specials = new Map([...tok.specialTokens.keys()].map((name, i) => [name, vocabSize + i]));
  return Tokenizer.fromMerges(merges.slice(0, vocabSize - 256), tok.pattern, specials);
}

/**
 * The ids of the `n` longest learned tokens (in bytes), longest first, ties by id.
 *
 *   longestTokens(train('aaaa', { vocabSize: 258, pattern: 'none' }), 2) → [257, 256]   ('aaaa', 'aa')
 */
export function longestTokens(tok: Tokenizer, n: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < tok.learnedSize; id++) if (tok.hasToken(id)) ids.push(id);
  const len = (id: number) => tok.tokenBytes(id).length;
  return ids.sort((a, b) => len(b) - len(a) || a - b).slice(0, n);
}
