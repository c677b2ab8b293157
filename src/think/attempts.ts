// Lesson 8 of prompting techniques: many attempts at held-out sums, and what each technique makes of them.
//
// sampleSums draws n replies per sum (all rows of all sums in a few batches, row seeds fixed, so a
// reply never depends on its batch) and records for each its answer key, whether it is right and how
// many tokens it generated. Every technique is then a pure function of those attempts:
//
//   greedy       the one temperature-0 reply
//   vote@k       majority vote over the first k attempts (vote.ts's tie rule)
//   pass@k       the unbiased estimator over all n attempts (pass-at-k.ts): "some attempt is right"
//   best-of@k    the first k attempts ranked by a scorer (a reward model, a verifier): bestOf
//   oracle@k     the first k attempts ranked by the truth: right when any of them is
//
// and each costs the tokens its attempts generated (compute.ts compares them at equal tokens).
// Left out: tool calls, early stopping of the vote when a majority is already certain.

import { assert } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { GPT } from '../model';
import { continueBatch, stopTokens } from '../sample/chat';
import { answerKey, majorityVote } from './vote';
import { argmaxFirst } from './best-of-n';
import { passAtK } from './pass-at-k';
import { Sum, SumMode, sumPrompt } from './sums';

/** One sampled reply to a sum. */
export interface Attempt {
  text: string;
  /** Its answer as a vote key ('' when it gave none). */
  key: string;
  correct: boolean;
  /** Tokens generated, the stop token included. */
  tokens: number;
}

/** How attempts are drawn. */
export interface AttemptOptions {
  /** Attempts per sum. */
  n: number;
  /** 0 is greedy (then every attempt is the same). */
  temperature: number;
  seed: number;
  /** Most tokens per reply (default 96: a 4-digit worked sum is about 70). */
  maxTokens?: number;
  /** Rows decoded together (default 64). */
  batchSize?: number;
}

/**
 * n attempts at each sum, the prompt asking in `mode` (a function of the sum, e.g. a check of an answer).
 *
 *   sampleSums(model, tok, [{ a: 12, b: 34 }], () => ({ kind: 'format', format: 'worked' }),
 *     { n: 4, temperature: 1, seed: 1 })
 *     → [[{ text: '2+4=6, write 6.\n1+3=4, write 4.\n#### 46', key: '46', correct: true, tokens: 23 }, ...]]
 */
export function sampleSums(model: GPT, tok: ChatTokenizer, sums: readonly Sum[], mode: (s: Sum, i: number) => SumMode,
  opts: AttemptOptions): Attempt[][] {
  const { n, temperature, seed } = opts;
  assert(Number.isSafeInteger(n) && n >= 1, () => `attempts per sum (${n}) must be a positive integer`);
  const batchSize = opts.batchSize ?? 64;
  const maxTokens = opts.maxTokens ?? 96;
  const prompts = sums.map((s, i) => sumPrompt(tok, s, mode(s, i)));
  const rows = prompts.flatMap((p, q) => Array.from({ length: n }, (_, j) => ({ p, q, seed: q * n + j })));
  const stop = stopTokens(tok);
  const out: Attempt[][] = sums.map(() => []);
  for (let s = 0; s < rows.length; s += batchSize) {
    const chunk = rows.slice(s, s + batchSize);
    const got = continueBatch(
      model, chunk.map((r) => r.p), { stop, maxTokens, temperature, seed }, chunk.map((r) => r.seed));
    got.forEach((g, i) => {
      const { q } = chunk[i];
      const text = tok.decode(g.stopped ? g.ids.slice(0, -1) : g.ids);
      const key = answerKey(text);
      out[q].push({ text, key, correct: key === String(sums[q].a + sums[q].b), tokens: g.ids.length });
    });
  }
  return out;
}

function firstK(attempts: readonly Attempt[], k: number): readonly Attempt[] {
  assert(Number.isSafeInteger(k) && k >= 1 && k <= attempts.length,
    () => `k (${k}) must be in 1..${attempts.length} (the attempts drawn)`);
  return attempts.slice(0, k);
}

/**
 * Whether the majority of the first k attempts is right: 1 or 0 (no answer at all counts as wrong).
 *
 *   voteOutcome([{ key: '5', correct: false }, { key: '7', correct: true }, { key: '7', correct: true }], 3) → 1
 */
export function voteOutcome(attempts: readonly Attempt[], k: number): number {
  const a = firstK(attempts, k);
  const vote = majorityVote(a.map((_, i) => String(i)), (i) => a[Number(i)].key);
  return vote.index >= 0 && a[vote.index].correct ? 1 : 0;
}

/**
 * The unbiased pass@k of one sum from all its attempts.
 *
 *   passOutcome(attempts with 1 right of 4, 2) → 0.5
 */
export function passOutcome(attempts: readonly Attempt[], k: number): number {
  return passAtK(attempts.length, attempts.filter((x) => x.correct).length, k);
}

/**
 * Whether the attempt a scorer ranks highest among the first k is right (ties: the earliest).
 *
 *   bestOfOutcome(attempts [wrong, right], [0.1, 0.9], 2) → 1;  bestOfOutcome(same, [0.1, 0.9], 1) → 0
 */
export function bestOfOutcome(attempts: readonly Attempt[], scores: readonly number[], k: number): number {
  const a = firstK(attempts, k);
  assert(scores.length >= k, () => `bestOfOutcome: ${scores.length} scores for ${k} attempts`);
  return a[argmaxFirst(scores.slice(0, k))].correct ? 1 : 0;
}

/** Whether any of the first k attempts is right: oracleOutcome([wrong, right], 2) → 1 */
export function oracleOutcome(attempts: readonly Attempt[], k: number): number {
  return firstK(attempts, k).some((x) => x.correct) ? 1 : 0;
}

/** Tokens the first k attempts generated: tokensOf([{ tokens: 10 }, { tokens: 14 }], 2) → 24 */
export function tokensOf(attempts: readonly Attempt[], k: number): number {
  return firstK(attempts, k).reduce((s, x) => s + x.tokens, 0);
}
