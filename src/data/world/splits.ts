// Every split of the world's questions that the stages use, defined in one place.
//
//   - SFT trains on its mixture (src/sft/data.ts, seed = the world's); evalSets leaves those out.
//   - Evaluation after SFT: the first n public facts of each split (factQuestions), and 2- or 3-digit
//     sums drawn with seed 777 minus any SFT saw.
//   - The reward models and RLHF: the world's distinct fact questions (train split) in one fixed
//     order (seed 606), cut into disjoint ranges (questionRanges): the RL prompts (the on-policy
//     reward model's training questions too), the questions every policy is scored on, and the
//     reward model's own held-out questions. The practice run takes the first RL prompts.
// Left out: the sizes of each range per profile (src/pipeline/settings.ts).

import { assert } from '../../util/assert';
import { arithmeticTask } from './arithmetic';
import { factExample, factPool, factsTask } from './questions';
import { QAExample } from './task';
import { World } from './world';

/** Lazily walks a task's examples 0..size-1. */
function* examplesOf<E>(task: { size: number; example(i: number): E }): Generator<E> {
  for (let i = 0; i < task.size; i++) yield task.example(i);
}

/**
 * The first n examples with distinct questions, skipping any in `exclude`.
 *
 *   distinctQuestions([q('a'), q('a'), q('b')], 2) → [q('a'), q('b')]
 */
export function distinctQuestions<E extends QAExample>(
  examples: Iterable<E>, n: number, exclude: Set<string> = new Set(),
): E[] {
  const seen = new Set<string>();
  const out: E[] = [];
  for (const ex of examples) {
    if (out.length >= n) break;
    if (seen.has(ex.question) || exclude.has(ex.question)) continue;
    seen.add(ex.question);
    out.push(ex);
  }
  return out;
}

/**
 * The first n public facts of a split as questions (the same facts the knowledge probe completes).
 *
 *   factQuestions(world, 'test', 2)[0].question → 'When was Dusem founded?'
 */
export function factQuestions(world: World, split: 'train' | 'test', n: number): QAExample[] {
  return factPool(world, false, split).slice(0, n).map((f, i) => factExample('facts', i, f, f.question));
}

/**
 * n distinct sums and products (seed 777) that are not in `exclude` (the questions SFT trained on).
 *
 *   heldOutArithmetic(2, 10, sftQuestions).length → 10
 */
export function heldOutArithmetic(digits: number, n: number, exclude: Set<string>): QAExample[] {
  return distinctQuestions(examplesOf(arithmeticTask({ size: 5000, seed: 777, digits })), n, exclude);
}

/** The sizes of the question ranges of the reward models and RLHF. */
export interface QuestionRanges {
  /** RL prompts (and the on-policy reward model's training questions). */
  prompts: number;
  /** Questions every policy is scored on. */
  heldOut: number;
  /** Questions the reward model's held-out comparisons come from. */
  rewardHeldOut: number;
}

/**
 * The world's distinct fact questions (train split: the facts SFT taught), in one fixed order, cut
 * into disjoint ranges: [0, prompts) train, then heldOut, then rewardHeldOut. A smaller request is a
 * prefix of a larger one.
 *
 *   questionRanges(world, { prompts: 32, heldOut: 8, rewardHeldOut: 8 })
 *     → { train: 32, heldOut: 8, rewardHeldOut: 8 questions }
 */
export function questionRanges(
  world: World, sizes: QuestionRanges,
): { train: QAExample[]; heldOut: QAExample[]; rewardHeldOut: QAExample[] } {
  const n = sizes.prompts + sizes.heldOut + sizes.rewardHeldOut;
  const all = distinctQuestions(examplesOf(factsTask(world, { split: 'train', size: 5000, seed: 606 })), n);
  assert(all.length === n,
    () => `only ${all.length} distinct fact questions exist; ` +
      `ask for fewer than ${sizes.prompts} + ${sizes.heldOut} + ${sizes.rewardHeldOut}`);
  const a = sizes.prompts;
  const b = a + sizes.heldOut;
  return { train: all.slice(0, a), heldOut: all.slice(a, b), rewardHeldOut: all.slice(b) };
}

/**
 * The practice run's questions: the first `questions` RL prompts, and the `rewardHeldOut` after them
 * for its reward model's held-out comparisons. Both lie inside the RL prompts, so none is ever scored.
 *
 *   practiceRanges(world, 4, 8, ranges).train → the first 4 RL prompts
 */
export function practiceRanges(
  world: World, questions: number, rewardHeldOut: number, ranges: QuestionRanges,
): { train: QAExample[]; rewardHeldOut: QAExample[] } {
  assert(questions + rewardHeldOut <= ranges.prompts,
    () => `practice: ${questions} practised + ${rewardHeldOut} held-out questions ` +
      `exceed the ${ranges.prompts} RL prompts; the scored questions come after them`);
  const q = questionRanges(world, { prompts: questions, heldOut: 0, rewardHeldOut });
  return { train: q.train, rewardHeldOut: q.rewardHeldOut };
}
