// Lesson 11 of prompting techniques: one technique on held-out sums, as a number with an interval and a cost.
//
//   evaluateSums(model, tok, sums, { technique: 'vote', n: 16, temperature: 1, seed: 1, mode })
//     → { accuracy: { estimate: 0.62, lower: 0.55, upper: 0.69, ... }, tokensGenerated: 41230, outcomes, attempts }
//
// greedy is one temperature-0 attempt; vote is the majority of n attempts; pass is pass@n (some attempt
// right: the ceiling any ranking of these attempts can reach); best-of keeps the attempt a scorer (a
// verifier or reward model) ranks highest. tokensGenerated counts every attempt's tokens; the scorer
// reads the attempts but generates nothing. `gpt-lab eval` prints this as JSON.
// Left out: the notebook's sweeps over N (they reuse one draw of maxN attempts through attempts.ts).

import { assert } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { GPT } from '../model';
import { Attempt, bestOfOutcome, passOutcome, sampleSums, tokensOf, voteOutcome } from './attempts';
import { bootstrapMean, Interval } from './bootstrap';
import { RewardModel, RewardTokens } from '../reward/model';
import { Sum, SumMode } from './sums';
import { verifierPrompt } from './stage';

export const TECHNIQUES = ['greedy', 'vote', 'pass', 'best-of'] as const;
export type Technique = (typeof TECHNIQUES)[number];

/** Scores attempts at sums (higher is better): a verifier or a reward model. */
export type AttemptScorer = (sums: readonly Sum[], replies: readonly string[]) => number[];

/** What evaluateSums runs. */
export interface SumEvalOptions {
  technique: Technique;
  /** Attempts per sum (greedy draws one). */
  n: number;
  /** Sampling temperature (greedy uses 0). */
  temperature: number;
  seed: number;
  /** What the prompt asks for (a format token, a quality tag). */
  mode: SumMode;
  /** Needed by best-of. */
  scorer?: AttemptScorer;
  maxTokens?: number;
}

/** The result of a technique on sums. */
export interface SumEval {
  accuracy: Interval;
  /** 0/1 per sum (pass: pass@n, also 0 or 1 with k = n). */
  outcomes: number[];
  tokensGenerated: number;
  attempts: Attempt[][];
}

/**
 * Runs a technique on held-out sums and scores it (see the header).
 *
 *   evaluateSums(model, tok, heldOutSums(3, 100, 1), { technique: 'greedy', n: 1, temperature: 0, seed: 1, mode })
 */
export function evaluateSums(model: GPT, tok: ChatTokenizer, sums: readonly Sum[], o: SumEvalOptions): SumEval {
  assert(sums.length > 0, () => 'evaluateSums: no sums; ask for at least one problem');
  const greedy = o.technique === 'greedy';
  const n = greedy ? 1 : o.n;
  assert(Number.isSafeInteger(n) && n >= 1, () => `n (${n}) must be a positive integer`);
  assert(o.technique !== 'best-of' || o.scorer !== undefined,
    () => 'best-of needs a scorer (a verifier or reward model)');
  const attempts = sampleSums(model, tok, sums, () => o.mode,
    { n, temperature: greedy ? 0 : o.temperature, seed: o.seed, maxTokens: o.maxTokens });
  let outcomes: number[];
  if (o.technique === 'greedy') outcomes = attempts.map((a) => (a[0].correct ? 1 : 0));
  else if (o.technique === 'vote') outcomes = attempts.map((a) => voteOutcome(a, n));
  else if (o.technique === 'pass') outcomes = attempts.map((a) => passOutcome(a, n));
  else {
    const flat = attempts.flatMap((a, q) => a.map((x) => ({ q, text: x.text })));
    const scores = o.scorer!(flat.map((f) => sums[f.q]), flat.map((f) => f.text));
    outcomes = attempts.map((a, q) => bestOfOutcome(a, scores.slice(q * n, (q + 1) * n), n));
  }
  const tokensGenerated = attempts.reduce((s, a) => s + tokensOf(a, n), 0);
  return { accuracy: bootstrapMean(outcomes, { seed: o.seed }), outcomes, tokensGenerated, attempts };
}

/**
 * A verifier or reward model as an AttemptScorer: it reads each attempt as the reply to the plain
 * question (no format token: it never saw one).
 *
 *   rewardScorer(verifier.rm, verifier.chat)([{ a: 12, b: 34 }], ['...#### 46']) → [2.3]
 */
export function rewardScorer(rm: RewardModel, chat: RewardTokens): AttemptScorer {
  return (sums, replies) => rm.score(sums.map(verifierPrompt), replies, chat);
}
