// What RLHF is watched by, per step: the learned reward (what it optimizes), the KL to the SFT model
// (how far it moved), the true score (does the reply give the right answer: what we actually want)
// and the diversity of what it writes (distinct n-grams: RL tends to collapse onto a few replies).
// Left out: self-BLEU and embedding-based diversity.

import { ChatTokenizer } from '../data/char-tokenizer';
import { words } from '../data/world/answers';

/**
 * A reply's text: its ids up to (not including) the stop token, special tokens dropped.
 *
 *   replyText(tok, [...tok.encode('Hi.'), assistantEnd]) → 'Hi.'
 */
export function replyText(tok: ChatTokenizer, ids: readonly number[], stopId: number): string {
  const end = ids.indexOf(stopId);
  return tok.decode(ids.slice(0, end < 0 ? ids.length : end).filter((id) => !tok.isSpecial(id)));
}

/**
 * The n-grams of a text's words (lowercase, punctuation dropped), joined by spaces.
 *
 *   ngrams('Tamor is in the north.', 2) → ['tamor is', 'is in', 'in the', 'the north']
 */
export function ngrams(text: string, n: number): string[] {
  const w = words(text);
  const out: string[] = [];
  for (let i = 0; i + n <= w.length; i++) out.push(w.slice(i, i + n).join(' '));
  return out;
}

/**
 * distinct-n: distinct word n-grams over all n-grams in a set of texts; 1 when nothing repeats, near
 * 0 when the texts say the same thing over and over. 0 for texts without any n-gram.
 *
 *   distinctN(['a b', 'a c'], 1) → 3 / 4 = 0.75;  distinctN(['a b', 'a b'], 2) → 1 / 2 = 0.5
 */
export function distinctN(texts: readonly string[], n: number): number {
  const all = texts.flatMap((t) => ngrams(t, n));
  return all.length === 0 ? 0 : new Set(all).size / all.length;
}

/**
 * distinct-n within each group of G consecutive texts (the G replies to one prompt), averaged: how
 * varied the model is when asked the same thing again. Prompts differ in names and numbers, so
 * distinct-n over a whole batch mostly measures the prompts; within a group it measures the model.
 *
 *   groupDistinctN(['a b', 'a b', 'c d', 'd e'], 2, 2) → (1/2 + 2/2) / 2 = 0.75
 */
export function groupDistinctN(texts: readonly string[], n: number, G: number): number {
  const scores: number[] = [];
  for (let i = 0; i < texts.length; i += G) scores.push(distinctN(texts.slice(i, i + G), n));
  return mean(scores);
}

/** The mean of a list (0 for none): mean([1, 2, 6]) → 3 */
export function mean(xs: readonly number[]): number {
  return xs.length === 0 ? 0 : xs.reduce((s, x) => s + x, 0) / xs.length;
}
