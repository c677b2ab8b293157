// Lesson 12 of prompting techniques: notebook 07's tables, computed from attempts (so the notebook stays thin).
//
//   percent(bootstrapMean([1, 0, 1, 1])) → '75% [25, 100]'
//   byCarries(sums, outcomes) → [{ carries: 0, sums: 12, right: 9, accuracy: '75% [50, 100]' }, ...]
//   ensembleRows(attempts, [1, 4], { verifier: scores }) → one row per N: vote, pass@N, best-of, oracle, tokens
//
// Left out: plotting (src/viz draws what these return).

import { assert } from '../util/assert';
import { Attempt, bestOfOutcome, oracleOutcome, passOutcome, tokensOf, voteOutcome } from './attempts';
import { bootstrapMean, Interval } from './bootstrap';
import { carries, Sum } from './sums';

/**
 * An interval as 'estimate% [lower, upper]', whole percents:
 * percent({ estimate: 0.625, lower: 0.5, upper: 0.75 }) → '63% [50, 75]'
 */
export function percent(i: Pick<Interval, 'estimate' | 'lower' | 'upper'>): string {
  const p = (x: number) => Math.round(100 * x);
  return `${p(i.estimate)}% [${p(i.lower)}, ${p(i.upper)}]`;
}

/** The mean of outcomes: mean([1, 0, 1, 1]) → 0.75 */
export function mean(xs: readonly number[]): number {
  assert(xs.length > 0, () => 'mean: no values');
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/**
 * Accuracy by number of carries (3 or more grouped as '3+').
 *
 *   byCarries([{ a: 12, b: 34 }, { a: 19, b: 1 }], [1, 0])
 *     → [{ carries: '0', sums: 1, right: 1, ... }, { carries: '1', sums: 1, right: 0, ... }]
 */
export function byCarries(
  sums: readonly Sum[], outcomes: readonly number[],
): { carries: string; sums: number; right: number; accuracy: string }[] {
  assert(sums.length === outcomes.length, () => `byCarries: ${sums.length} sums, ${outcomes.length} outcomes`);
  const groups = new Map<string, number[]>();
  sums.forEach((s, i) => {
    const c = carries(s.a, s.b);
    const key = c >= 3 ? '3+' : String(c);
    groups.set(key, [...(groups.get(key) ?? []), outcomes[i]]);
  });
  return [...groups.keys()].sort().map((k) => {
    const xs = groups.get(k)!;
    return { carries: k, sums: xs.length, right: xs.reduce((s, x) => s + x, 0), accuracy: percent(bootstrapMean(xs)) };
  });
}

/** One row of an ensemble table: accuracies at N attempts and the tokens they cost per sum. */
export interface EnsembleRow {
  N: number;
  vote: number;
  pass: number;
  oracle: number;
  /** Best-of by each named scorer. */
  bestOf: Record<string, number>;
  /** Mean tokens generated per sum by N attempts. */
  tokens: number;
}

/**
 * Vote, pass@N, best-of by each scorer and the oracle at each N (first N of the attempts), averaged
 * over sums; scores[name][q][j] is scorer name's score of attempt j at sum q.
 *
 *   ensembleRows([[wrong, right]], [1, 2], {})
 *     → [{ N: 1, vote: 0, pass: 0.5, oracle: 0, ... }, { N: 2, vote: 0, pass: 1, oracle: 1, ... }]
 */
export function ensembleRows(
  attempts: readonly (readonly Attempt[])[], Ns: readonly number[],
  scores: Record<string, readonly (readonly number[])[]>,
): EnsembleRow[] {
  return Ns.map((N) => ({
    N,
    vote: mean(attempts.map((a) => voteOutcome(a, N))),
    pass: mean(attempts.map((a) => passOutcome(a, N))),
    oracle: mean(attempts.map((a) => oracleOutcome(a, N))),
    bestOf: Object.fromEntries(Object.entries(scores).map(([name, s]) =>
      [name, mean(attempts.map((a, q) => bestOfOutcome(a, s[q], N)))])),
    tokens: mean(attempts.map((a) => tokensOf(a, N))),
  }));
}

/**
 * Per-sum outcomes of a technique at N, for intervals: technique 'vote', 'pass', 'oracle' or 'best-of:<scorer>'.
 *
 *   outcomesAt(attempts, 4, 'vote') → [1, 0, 1, ...]
 */
export function outcomesAt(attempts: readonly (readonly Attempt[])[], N: number, technique: string,
  scores: Record<string, readonly (readonly number[])[]> = {}): number[] {
  if (technique === 'vote') return attempts.map((a) => voteOutcome(a, N));
  if (technique === 'pass') return attempts.map((a) => passOutcome(a, N));
  if (technique === 'oracle') return attempts.map((a) => oracleOutcome(a, N));
  const name = technique.replace(/^best-of:/, '');
  assert(technique.startsWith('best-of:') && scores[name] !== undefined,
    () => `outcomesAt: unknown technique '${technique}'; ` +
      `use vote, pass, oracle or best-of:<${Object.keys(scores).join('|')}>`);
  return attempts.map((a, q) => bestOfOutcome(a, scores[name][q], N));
}

/**
 * Splits a flat list of scores (attempts of all sums in order) back into one list per sum.
 *
 *   perSum([1, 2, 3, 4], 2) → [[1, 2], [3, 4]]
 */
export function perSum<T>(flat: readonly T[], n: number): T[][] {
  assert(n > 0 && flat.length % n === 0, () => `perSum: ${flat.length} values do not split into rows of ${n}`);
  return Array.from({ length: flat.length / n }, (_, q) => flat.slice(q * n, (q + 1) * n));
}
