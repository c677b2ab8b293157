// Lesson 6 of the reward model: comparisons of the model's own replies, as InstructGPT collects them.
//
// The comparisons of data.ts are templated replies ("Sure! …", "Obviously, …", the right value or a
// wrong one) that the SFT model itself rarely writes. A reward model trained on them grades text
// that RLHF never shows it, and grades the SFT model's own replies poorly. InstructGPT does it the
// other way: for each prompt it samples K replies from the SFT model, a person ranks them, and every
// two replies with different ranks become a (chosen, rejected) pair. Here the rule-based labeler
// (labelerReward: 0.6 correct + 0.2 polite + 0.2 brief) is the person. The reward model then learns
// on the very distribution RLHF will sample from: which of the SFT model's answers are right.
//
//   const pairs = sampleComparisons(sft.model, sft.tok, questions,
//     { samples: 6, maxTokens: 40, temperature: 1, seed: 11 });
//   rankedPairs(['a', 'b', 'c'], [0.9, 0.3, 0.9])  → [[0, 1], [2, 1]]   (0 vs 2 is a tie: no pair)
//
// The prompts are the world's fact questions in one fixed order, cut into ranges that never overlap
// (src/data/world/splits.ts): the RL prompts (which the reward model's comparisons also use, as
// InstructGPT's RM and PPO prompts come from one pool), the questions every policy is scored on
// afterwards, and the reward model's own held-out questions. No comparison is ever made on a question
// the policies are scored on. src/pipeline gives the questions and trains through trainRewardStage.
//
// Left out: ties as weak labels, rankers who disagree, several rounds (sample from the RLHF policy,
// rank, retrain the reward model: what the real pipeline does next).

import { assert } from '../util/assert';
import { Conversation } from '../data/conversation';
import { ChatTokenizer } from '../data/char-tokenizer';
import { checkAnswer } from '../data/world/answers';
import { labelerReward } from '../data/world/labeler';
import { QAExample, promptFor } from '../data/world/task';
import { World } from '../data/world/world';
import { GPT } from '../model';
import { generateReplies } from '../sample/chat';
import { PreferencePair, PreferenceSplits, SplitSizes } from './data';
import { rewardSequence, rewardTokens } from './model';
import { RewardTrainConfig } from './train';
import { RewardExtra, rewardData } from './stage';

/**
 * Every two replies whose scores differ, as [chosen, rejected] indices (chosen scored higher), in
 * the order (0,1), (0,2), ..., (1,2), ...; ties give no pair.
 *
 *   rankedPairs([0.8, 0.2, 0.8]) → [[0, 1], [2, 1]]
 */
export function rankedPairs(scores: readonly number[]): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < scores.length; i++) {
    for (let j = i + 1; j < scores.length; j++) {
      if (scores[i] > scores[j]) out.push([i, j]);
      else if (scores[j] > scores[i]) out.push([j, i]);
    }
  }
  return out;
}

/** Scores a reply to a question; higher is better. The labeler by default. */
export type ReplyScorer = (source: QAExample, reply: string) => number;

/**
 * The comparisons among groups of replies: replies[q] are the replies to examples[q], ranked by
 * `score`; each pair's `index` is q.
 *
 *   comparePairs([ex], [['Belim lives in Dusem.', 'Belim lives in Tamor.']])
 *     → [{ index: 0, chosen: 'Belim lives in Dusem.', rejected: 'Belim lives in Tamor.', chosenScore: 0.8, ... }]
 */
export function comparePairs(
  examples: readonly QAExample[], replies: readonly (readonly string[])[], score: ReplyScorer = labelerReward,
): PreferencePair[] {
  assert(examples.length === replies.length,
    () => `comparePairs: ${examples.length} examples but ${replies.length} groups of replies; ` +
      'give one group per example');
  return examples.flatMap((source, q) => {
    const group = replies[q];
    const scores = group.map((r) => score(source, r));
    const prompt: Conversation = promptFor(source);
    return rankedPairs(scores).map(([c, r]) => ({
      index: q, prompt, chosen: group[c], rejected: group[r], chosenScore: scores[c], rejectedScore: scores[r],
      chosenCorrect: checkAnswer(source.expected, group[c]), rejectedCorrect: checkAnswer(source.expected, group[r]),
      source,
    }));
  });
}

/** How the replies to compare are sampled. */
export interface ComparisonSampling {
  /** Replies per question (InstructGPT's K). */
  samples: number;
  /** Most tokens per reply. */
  maxTokens: number;
  /** Sampling temperature (1: the model's own distribution, what RLHF samples from). */
  temperature: number;
  seed: number;
}

/**
 * Samples `samples` replies from the model to every question and returns the labeler's comparisons
 * among them. Deterministic for a seed.
 */
export function sampleComparisons(model: GPT, tok: ChatTokenizer, examples: readonly QAExample[],
  opts: ComparisonSampling, score: ReplyScorer = labelerReward): PreferencePair[] {
  const replies = sampleGroups(model, tok, examples, opts);
  return comparePairs(examples, replies, score);
}

/** `samples` replies to each question: [question][sample]. */
export function sampleGroups(
  model: GPT, tok: ChatTokenizer, examples: readonly QAExample[], opts: ComparisonSampling,
): string[][] {
  const K = opts.samples;
  assert(Number.isSafeInteger(K) && K >= 2,
    () => `comparisons need at least 2 replies per question; got samples = ${K}`);
  const convs = examples.flatMap((e) => Array.from({ length: K }, () => promptFor(e)));
  const texts = generateReplies(model, tok, convs,
    { temperature: opts.temperature, maxTokens: opts.maxTokens, seed: opts.seed, batchSize: 48 });
  return examples.map((_, q) => texts.slice(q * K, (q + 1) * K));
}

/** Everything an on-policy reward run is set by (its questions come from the pipeline's one split). */
export interface OnPolicySettings {
  /** How the compared replies are sampled (the held-out ones with seed + 1). */
  sampling: ComparisonSampling;
  train: Partial<RewardTrainConfig>;
  /** Seed of the head's init. */
  headSeed: number;
  /** How many templated comparisons (notebook 05's) to train on when the model's replies all tie. */
  fallbackPairs: SplitSizes;
}

/** Comparisons for the reward model, and where they came from. */
export interface ComparisonData extends PreferenceSplits {
  /** 'on-policy': the model's own replies; 'templated': notebook 05's pairs, used when the model's replies all tie. */
  source: 'on-policy' | 'templated';
}

/**
 * The comparisons of a model's own replies: training pairs on `questions.train` (the RL prompts),
 * held-out pairs on `questions.rewardHeldOut` (never on the questions the policies are scored on).
 * Pairs whose sequences exceed blockSize are dropped. A model too weak to be ranked (every reply to
 * a question scores the same: a tiny CI model writes gibberish) gets notebook 05's templated
 * comparisons instead (settings.fallbackPairs of them), and `source` says so.
 */
export function onPolicyData(model: GPT, tok: ChatTokenizer, world: World,
  questions: { train: readonly QAExample[]; rewardHeldOut: readonly QAExample[] },
  settings: OnPolicySettings, score: ReplyScorer = labelerReward): ComparisonData {
  const chat = rewardTokens(tok);
  const T = model.config.blockSize;
  const fits = (p: PreferencePair) =>
    rewardSequence(chat, p.prompt, p.chosen).length <= T && rewardSequence(chat, p.prompt, p.rejected).length <= T;
  const train = sampleComparisons(model, tok, questions.train, settings.sampling, score).filter(fits);
  const heldOut = sampleComparisons(
    model, tok, questions.rewardHeldOut, { ...settings.sampling, seed: settings.sampling.seed + 1 }, score,
  ).filter(fits);
  if (train.length < MIN_PAIRS || heldOut.length === 0)
    return { ...rewardData(world, { pairs: settings.fallbackPairs }, chat, T), source: 'templated' };
  return { train, heldOut, source: 'on-policy' };
}

/** Fewer training comparisons than this and the model is too weak to be ranked. */
export const MIN_PAIRS = 16;

/** What a finished on-policy reward checkpoint records in state.extra (RewardExtra, plus the data's size). */
export interface OnPolicyExtra extends Omit<RewardExtra, 'settings'> {
  settings: OnPolicySettings;
  /** Where the comparisons came from (see onPolicyData). */
  data: 'on-policy' | 'templated';
  pairs: { train: number; heldOut: number };
  /** Share of the training pairs whose chosen reply is right and rejected one wrong. */
  correctnessPairs: number;
}

/**
 * What OnPolicyExtra adds to RewardExtra, for comparisons `splits`.
 *
 *   onPolicyRecord(splits) → { data: 'on-policy', pairs: { train: 412, heldOut: 60 }, correctnessPairs: 0.7 }
 */
export function onPolicyRecord(splits: ComparisonData): Omit<OnPolicyExtra, keyof RewardExtra> {
  return {
    data: splits.source, pairs: { train: splits.train.length, heldOut: splits.heldOut.length },
    correctnessPairs: splits.train.filter((p) => p.chosenCorrect && !p.rejectedCorrect).length / splits.train.length,
  };
}
