// Lesson 3 of retrieval: scoring a retriever, and combining two.
//
// recall@k: the fraction of questions for which a relevant chunk is among the top k retrieved. A
// question may have several relevant chunks (overlapping windows can both hold its fact); one
// among the top k is enough.
//
// Reciprocal-rank fusion (Cormack, Clarke and Büttcher, 2009) merges rankings from different
// retrievers without comparing their scores (BM25 scores and cosines live on different scales):
// each item scores sum over rankings of 1 / (k + rank), rank counted from 1, k = 60 by default.
// Ties go to the item that appeared first, reading the rankings in order and each from its top.
//
// Left out: MRR and nDCG (recall@k is what decides whether the answer reaches the prompt).

import { assert } from '../util/assert';

/**
 * recall@k over questions: rankings[q] is what was retrieved for question q, best first, and
 * relevant[q] the ids that would answer it.
 *
 *   recallAtK([['a', 'b'], ['c', 'd']], [['b'], ['x']], 1) → 0;  ... k = 2 → 0.5
 */
export function recallAtK(
  rankings: readonly (readonly string[])[], relevant: readonly (readonly string[])[], k: number,
): number {
  assert(rankings.length === relevant.length && rankings.length > 0,
    () => `recallAtK: ${rankings.length} rankings for ${relevant.length} questions; pass one of each per question`);
  assert(Number.isInteger(k) && k >= 1, () => `recallAtK: k (${k}) must be a positive integer`);
  let hits = 0;
  rankings.forEach((ranked, q) => {
    const want = new Set(relevant[q]);
    if (ranked.slice(0, k).some((id) => want.has(id))) hits++;
  });
  return hits / rankings.length;
}

/** An item of a fused ranking. */
export interface Fused {
  id: string;
  score: number;
}

/**
 * Reciprocal-rank fusion of rankings (each best first).
 *
 *   reciprocalRankFusion([['a', 'b'], ['b', 'c']], 60)
 *     → [{ id: 'b', score: 1/62 + 1/61 }, { id: 'a', score: 1/61 }, { id: 'c', score: 1/62 }]
 */
export function reciprocalRankFusion(rankings: readonly (readonly string[])[], k = 60): Fused[] {
  assert(k >= 0, () => `reciprocalRankFusion: k (${k}) must be non-negative (60 is usual)`);
  const score = new Map<string, number>();
  for (const ranked of rankings) {
    assert(new Set(ranked).size === ranked.length,
      () => `reciprocalRankFusion: a ranking lists an id twice (${ranked.join(', ')})`);
    ranked.forEach((id, r) => score.set(id, (score.get(id) ?? 0) + 1 / (k + r + 1)));
  }
  // Array.prototype.sort is stable: equal scores keep first-appearance order.
  return [...score].map(([id, s]) => ({ id, score: s })).sort((a, b) => b.score - a.score);
}
