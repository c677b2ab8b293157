// Lesson 3 of the reward model: comparison data, split so the test is honest.
//
// The raters here are the rule-based labeler of src/data/world/labeler.ts (0.6 correct + 0.2 polite
// + 0.2 brief). Each preference example gives a prompt and two replies; the one the labeler scored
// higher is `chosen`. Training pairs and held-out pairs come from disjoint ranges of example indices,
// so the held-out accuracy is measured on comparisons the model never trained on (the questions may
// recur, in other replies: the world has a few hundred facts).
//
//   preferencePairs(preferenceTask(world), 0, 2)
//     → [{ prompt, chosen: 'Fofi lives in Foden. I thought ...', rejected: 'Fofi lives in Safak.', chosenScore: 0.75,
//          ... }, ...]
//
// Left out: collecting comparisons of the model's own samples (the real pipeline's next round).

import { assert } from '../util/assert';
import { Conversation } from '../data/conversation';
import { PreferenceExample } from '../data/world/labeler';
import { QAExample, Task } from '../data/world/task';
import { Rng, hashSeed } from '../data/rng';

/** One comparison: the prompt, the reply the labeler preferred, the other one, and their scores. */
export interface PreferencePair {
  /** The preference task's example index it came from. */
  index: number;
  prompt: Conversation;
  chosen: string;
  rejected: string;
  /** The labeler's scores in [0, 1]. */
  chosenScore: number;
  rejectedScore: number;
  /** Whether each reply gives the right answer (the task's true score). */
  chosenCorrect: boolean;
  rejectedCorrect: boolean;
  /** The question the replies answer. */
  source: QAExample;
}

/**
 * A preference example as (chosen, rejected).
 *
 *   toPair({ replies: ['a', 'b'], preferred: 1, ... }) → { chosen: 'b', rejected: 'a', ... }
 */
export function toPair(e: PreferenceExample): PreferencePair {
  const c = e.preferred;
  const r = 1 - c;
  return {
    index: e.index, prompt: e.prompt, chosen: e.replies[c], rejected: e.replies[r],
    chosenScore: e.labels[c].score, rejectedScore: e.labels[r].score,
    chosenCorrect: e.labels[c].correct, rejectedCorrect: e.labels[r].correct, source: e.source,
  };
}

/** Examples start..start+count-1 of a preference task, as pairs. */
export function preferencePairs(task: Task<PreferenceExample>, start: number, count: number): PreferencePair[] {
  assert(start >= 0 && count > 0 && start + count <= task.size,
    () => `preference pairs ${start}..${start + count - 1} are outside the task's 0..${task.size - 1}; ` +
      'raise its size or ask for fewer');
  return Array.from({ length: count }, (_, i) => toPair(task.example(start + i)));
}

/**
 * Pairs from examples start..end-1 whose two sequences fit the model's context (`length` gives a
 * reply's sequence length), at most `count` of them; longer ones are skipped, as SFT skips
 * conversations that do not fit, rather than cut.
 *
 *   fittingPairs(task, 0, 1000, 300, (p, reply) => rewardSequence(chat, p.prompt, reply).length <= 128)
 */
export function fittingPairs(task: Task<PreferenceExample>, start: number, end: number, count: number,
  fits: (pair: PreferencePair, reply: string) => boolean): PreferencePair[] {
  assert(start >= 0 && end <= task.size && start < end,
    () => `fittingPairs: range ${start}..${end - 1} is outside the task's 0..${task.size - 1}`);
  const out: PreferencePair[] = [];
  for (let i = start; i < end && out.length < count; i++) {
    const p = toPair(task.example(i));
    if (fits(p, p.chosen) && fits(p, p.rejected)) out.push(p);
  }
  return out;
}

/** How many pairs train and how many are held out. */
export interface SplitSizes {
  train: number;
  heldOut: number;
}

/** Training and held-out pairs. */
export interface PreferenceSplits {
  train: PreferencePair[];
  heldOut: PreferencePair[];
}

/**
 * Training pairs from the first examples of the task, held-out pairs from the last `heldOutRange`:
 * disjoint by construction. Pairs that do not fit (see fittingPairs) are skipped.
 *
 *   splitPairs(task of size 1000, { train: 700, heldOut: 200 }, fits, 250)
 *     → train from examples 0..749, heldOut from 750..999
 */
export function splitPairs(task: Task<PreferenceExample>, sizes: SplitSizes,
  fits: (pair: PreferencePair, reply: string) => boolean = () => true, heldOutRange = sizes.heldOut): PreferenceSplits {
  const cut = task.size - heldOutRange;
  assert(cut > 0,
    () => `splitPairs: the task's ${task.size} examples leave none for training after ${heldOutRange} held out; ` +
      'raise its size');
  const train = fittingPairs(task, 0, cut, sizes.train, fits);
  const heldOut = fittingPairs(task, cut, task.size, sizes.heldOut, fits);
  assert(train.length > 0 && heldOut.length > 0,
    () => `splitPairs: ${train.length} training and ${heldOut.length} held-out pairs fit the context; ` +
      'raise blockSize or the task size');
  return { train, heldOut };
}

/**
 * The pairs of optimizer step `step`: epochs walk a permutation of the training pairs seeded by
 * (seed, epoch), so every pair is seen once per epoch and the batch depends on (seed, step) alone.
 *
 *   stepIndices(10, 4, 0, 1) → 4 distinct indices in 0..9; steps 0, 1 and half of 2 cover all ten
 */
export function stepIndices(nPairs: number, batchSize: number, step: number, seed: number): number[] {
  assert(nPairs > 0 && batchSize > 0,
    () => `stepIndices: need pairs (${nPairs}) and a batch size (${batchSize}) above 0`);
  const out: number[] = [];
  for (let k = step * batchSize; k < (step + 1) * batchSize; k++) {
    const epoch = Math.floor(k / nPairs);
    out.push(permutation(nPairs, hashSeed(seed, 0x9a1e, epoch))[k % nPairs]);
  }
  return out;
}

const perms = new Map<string, number[]>();

/** A seeded Fisher-Yates permutation of 0..n-1 (the last few are cached). */
function permutation(n: number, seed: number): number[] {
  const key = `${n}:${seed}`;
  let p = perms.get(key);
  if (p === undefined) {
    const rng = new Rng(seed);
    p = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = rng.int(0, i + 1);
      [p[i], p[j]] = [p[j], p[i]];
    }
    if (perms.size > 8) perms.clear();
    perms.set(key, p);
  }
  return p;
}
