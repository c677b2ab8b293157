// Lesson 6 of the reward model: what it learned, and what it did not.
//
// One accuracy number hides which rules of the labeler the model picked up. The labeler weighs
// correctness (0.6) above politeness and brevity (0.2 each), but a small model spots "Sure!" or
// "Obviously," far more easily than it checks whether 47+38 is 85. Splitting held-out pairs by what
// separates their two replies shows that, and the probe replies (one question, every style) show
// what a policy optimized against this reward model will be paid for.
//
//   accuracyByKind(pairs, rewards) → [{ kind: 'correctness differs', pairs: 120, accuracy: 0.61 }, ...]
//
// Left out: attribution inside the model (which tokens moved the reward).

import { assert } from '../util/assert';
import { politeness, ReplyStyle, writeReply } from '../data/world/labeler';
import { Rng } from '../data/rng';
import { QAExample } from '../data/world/task';
import { pairwiseAccuracy } from './loss';
import { PreferencePair } from './data';
import { PairRewards } from './train';

/** What separates the two replies of a pair, by the labeler's rule that decides it. */
export type PairKind = 'correctness differs' | 'same correctness, tone differs' | 'same correctness and tone';

/**
 * The kind of a pair: correctness first (it outweighs the rest), then politeness.
 *
 *   pairKind({ chosenCorrect: true, rejectedCorrect: false, ... }) → 'correctness differs'
 */
export function pairKind(p: PreferencePair): PairKind {
  if (p.chosenCorrect !== p.rejectedCorrect) return 'correctness differs';
  return politeness(p.chosen) !== politeness(p.rejected)
    ? 'same correctness, tone differs' : 'same correctness and tone';
}

/** Pairwise accuracy within each kind of pair (kinds with no pairs left out). */
export function accuracyByKind(
  pairs: readonly PreferencePair[], rewards: PairRewards,
): { kind: PairKind; pairs: number; accuracy: number }[] {
  assert(pairs.length === rewards.chosen.length,
    () => `accuracyByKind: ${pairs.length} pairs but ${rewards.chosen.length} rewards`);
  const kinds: PairKind[] = ['correctness differs', 'same correctness, tone differs', 'same correctness and tone'];
  return kinds.flatMap((kind) => {
    const idx = pairs.map((p, i) => (pairKind(p) === kind ? i : -1)).filter((i) => i >= 0);
    if (idx.length === 0) return [];
    return [{
      kind, pairs: idx.length,
      accuracy: pairwiseAccuracy(idx.map((i) => rewards.chosen[i]), idx.map((i) => rewards.rejected[i])),
    }];
  });
}

/** One probe reply: its style and text. */
export interface Probe {
  style: string;
  reply: string;
}

/**
 * The same question answered in every tone, right and wrong (no filler, so it fits a short
 * context): what the reward model pays for each.
 *
 *   probeReplies(arithmeticExample(5, '+', 7)) → [{ style: 'right, polite', reply: 'Sure! 5+7=12.' }, ...]
 */
export function probeReplies(example: QAExample, seed = 1): Probe[] {
  const out: Probe[] = [];
  for (const correct of [true, false]) {
    for (const tone of ['polite', 'plain', 'rude'] as const) {
      const style: ReplyStyle = { correct, tone, padded: false };
      out.push({ style: `${correct ? 'right' : 'wrong'}, ${tone}`, reply: writeReply(example, style, new Rng(seed)) });
    }
  }
  return out;
}
