// Lesson 3 of prompting techniques: best-of-N, "sample many, keep the one a scorer likes best".
//
// The scorer is anything that maps a candidate to a number: notebook 05's reward model, a trained
// verifier, or (as the oracle) the task's own evaluate. Ties go to the earliest candidate, as in
// majority vote, so greedy-first lists keep the greedy reply when the scorer cannot tell.
//
// Left out: the scorers themselves (they live with their models), and weighted voting.

import { assert } from '../util/assert';

/** The chosen candidate. */
export interface Best<T> {
  index: number;
  candidate: T;
  score: number;
}

/**
 * The index of the largest score, the first one on ties; NaN is an error (a broken scorer).
 *
 *   argmaxFirst([1, 3, 3]) → 1
 */
export function argmaxFirst(scores: readonly number[]): number {
  assert(scores.length > 0, () => 'argmaxFirst: no scores');
  let best = 0;
  scores.forEach((s, i) => {
    assert(!Number.isNaN(s), () => `best-of-N: score ${i} is NaN; check the scorer`);
    if (s > scores[best]) best = i;
  });
  return best;
}

/**
 * The candidate the scorer ranks highest.
 *
 *   bestOfN(['#### 12', '#### 13'], (r) => (r.endsWith('13') ? 1 : 0)) → { index: 1, candidate: '#### 13', score: 1 }
 */
export function bestOfN<T>(candidates: readonly T[], score: (candidate: T, index: number) => number): Best<T> {
  assert(candidates.length > 0, () => 'bestOfN: no candidates; sample at least one');
  const scores = candidates.map((c, i) => score(c, i));
  const index = argmaxFirst(scores);
  return { index, candidate: candidates[index], score: scores[index] };
}

/** bestOfN with a scorer that scores all candidates at once (a batched model call), possibly async. */
export async function bestOfNBatched<T>(
  candidates: readonly T[], scoreAll: (candidates: readonly T[]) => Promise<number[]> | number[],
): Promise<Best<T>> {
  assert(candidates.length > 0, () => 'bestOfNBatched: no candidates; sample at least one');
  const scores = await scoreAll(candidates);
  assert(scores.length === candidates.length,
    () => `bestOfNBatched: the scorer returned ${scores.length} scores for ${candidates.length} candidates`);
  const index = argmaxFirst(scores);
  return { index, candidate: candidates[index], score: scores[index] };
}
