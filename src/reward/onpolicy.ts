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
//   const pairs = sampleComparisons(sft.model, sft.tok, questions, { samples: 6, maxTokens: 40, temperature: 1, seed: 11 });
//   rankedPairs(['a', 'b', 'c'], [0.9, 0.3, 0.9])  → [[0, 1], [2, 1]]   (0 vs 2 is a tie: no pair)
//
// The prompts are the world's fact questions in one fixed order, cut into ranges that never overlap:
// the RL prompts (which the reward model's comparisons also use, as InstructGPT's RM and PPO prompts
// come from one pool), the questions every policy is scored on afterwards, and the reward model's own
// held-out questions. No comparison is ever made on a question the policies are scored on.
//
// Left out: ties as weak labels, rankers who disagree, several rounds (sample from the RLHF policy,
// rank, retrain the reward model: what the real pipeline does next).

import { assert } from '../util/assert';
import { Conversation } from '../data/conversation';
import { CharTokenizer } from '../data/char-tokenizer';
import { checkAnswer } from '../data/world/answers';
import { labelerReward } from '../data/world/labeler';
import { factsTask } from '../data/world/questions';
import { QAExample, promptFor } from '../data/world/task';
import { GPT } from '../model';
import { Profile, profile as activeProfile } from '../profile';
import { stageDir } from '../stages';
import { resolveCheckpointDir, withSteps } from '../train';
import { distinctQuestions, ensureSft, generateReplies, loadStageModel, stageWorld } from '../sft';
import { PreferencePair, PreferenceSplits } from './data';
import { rewardSequence, rewardTokens } from './model';
import { RewardTrainConfig, RewardTrainer } from './train';
import { RewardExtra, RewardStage, RewardStageOptions, isFinishedReward, loadRewardStage, rewardData, rewardSettings, trainRewardStage } from './stage';

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
export function comparePairs(examples: readonly QAExample[], replies: readonly (readonly string[])[], score: ReplyScorer = labelerReward): PreferencePair[] {
  assert(examples.length === replies.length, () => `comparePairs: ${examples.length} examples but ${replies.length} groups of replies; give one group per example`);
  return examples.flatMap((source, q) => {
    const group = replies[q];
    const scores = group.map((r) => score(source, r));
    const prompt: Conversation = promptFor(source);
    return rankedPairs(scores).map(([c, r]) => ({
      index: q, prompt, chosen: group[c], rejected: group[r], chosenScore: scores[c], rejectedScore: scores[r],
      chosenCorrect: checkAnswer(source.expected, group[c]), rejectedCorrect: checkAnswer(source.expected, group[r]), source,
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
export function sampleComparisons(model: GPT, tok: CharTokenizer, examples: readonly QAExample[], opts: ComparisonSampling,
  score: ReplyScorer = labelerReward): PreferencePair[] {
  const replies = sampleGroups(model, tok, examples, opts);
  return comparePairs(examples, replies, score);
}

/** `samples` replies to each question: [question][sample]. */
export function sampleGroups(model: GPT, tok: CharTokenizer, examples: readonly QAExample[], opts: ComparisonSampling): string[][] {
  const K = opts.samples;
  assert(Number.isSafeInteger(K) && K >= 2, () => `comparisons need at least 2 replies per question; got samples = ${K}`);
  const convs = examples.flatMap((e) => Array.from({ length: K }, () => promptFor(e)));
  const texts = generateReplies(model, tok, convs, { temperature: opts.temperature, maxTokens: opts.maxTokens, seed: opts.seed, batchSize: 48 });
  return examples.map((_, q) => texts.slice(q * K, (q + 1) * K));
}

/** The sizes of the question ranges. */
export interface QuestionRanges {
  /** RL prompts (and the reward model's training questions). */
  prompts: number;
  /** Questions every policy is scored on. */
  heldOut: number;
  /** Questions the reward model's held-out comparisons come from. */
  rewardHeldOut: number;
}

/**
 * The world's distinct fact questions (train split: the facts SFT taught), in one fixed order, cut
 * into disjoint ranges: [0, prompts) train, then heldOut, then rewardHeldOut.
 *
 *   questionRanges({ prompts: 32, heldOut: 8, rewardHeldOut: 8 }) → { train: 32, heldOut: 8, rewardHeldOut: 8 questions }
 */
export function questionRanges(sizes: QuestionRanges): { train: QAExample[]; heldOut: QAExample[]; rewardHeldOut: QAExample[] } {
  const n = sizes.prompts + sizes.heldOut + sizes.rewardHeldOut;
  const task = factsTask(stageWorld(), { split: 'train', size: 5000, seed: 606 });
  const all = distinctQuestions((function* () { for (let i = 0; i < task.size; i++) yield task.example(i); })(), n);
  assert(all.length === n, () => `only ${all.length} distinct fact questions exist; ask for fewer than ${sizes.prompts} + ${sizes.heldOut} + ${sizes.rewardHeldOut}`);
  const a = sizes.prompts;
  const b = a + sizes.heldOut;
  return { train: all.slice(0, a), heldOut: all.slice(a, b), rewardHeldOut: all.slice(b) };
}

/** Everything an on-policy reward run is set by, per profile. */
export interface OnPolicySettings {
  /** The question ranges (the RL stage reads the same ones). */
  questions: QuestionRanges;
  /** How the compared replies are sampled (the held-out ones with seed + 1). */
  sampling: ComparisonSampling;
  train: Partial<RewardTrainConfig>;
  /** Seed of the head's init. */
  headSeed: number;
}

/** The settings of a profile: `ci` trains in seconds, `full` is what notebook 06 shows. */
export function onPolicySettings(prof: Profile = activeProfile()): OnPolicySettings {
  return prof === 'ci'
    ? {
      questions: { prompts: 32, heldOut: 8, rewardHeldOut: 8 }, headSeed: 1337,
      sampling: { samples: 4, maxTokens: 32, temperature: 1, seed: 11 },
      train: { batchSize: 16, maxSteps: 20, evalEvery: 10, trainEvalPairs: 32, schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 2, decaySteps: 20 } },
    }
    : {
      questions: { prompts: 160, heldOut: 48, rewardHeldOut: 21 }, headSeed: 1337,
      sampling: { samples: 8, maxTokens: 40, temperature: 1, seed: 11 },
      train: { batchSize: 16, maxSteps: 60, evalEvery: 10, trainEvalPairs: 128, schedule: { maxLr: 3e-4, minLr: 3e-5, warmupSteps: 6, decaySteps: 60 } },
    };
}

/** Comparisons for the reward model, and where they came from. */
export interface ComparisonData extends PreferenceSplits {
  /** 'on-policy': the model's own replies; 'templated': notebook 05's pairs, used when the model's replies all tie. */
  source: 'on-policy' | 'templated';
}

/**
 * The comparisons of a model's own replies: training pairs on the RL prompts, held-out pairs on the
 * reward model's held-out questions (never on the questions the policies are scored on). Pairs whose
 * sequences exceed blockSize are dropped. A model too weak to be ranked (every reply to a question
 * scores the same: a tiny CI model writes gibberish) gets notebook 05's templated comparisons
 * instead, and `source` says so.
 */
export function onPolicyData(model: GPT, tok: CharTokenizer, settings: OnPolicySettings, score: ReplyScorer = labelerReward): ComparisonData {
  const q = questionRanges(settings.questions);
  const chat = rewardTokens(tok);
  const T = model.config.blockSize;
  const fits = (p: PreferencePair) => rewardSequence(chat, p.prompt, p.chosen).length <= T && rewardSequence(chat, p.prompt, p.rejected).length <= T;
  const train = sampleComparisons(model, tok, q.train, settings.sampling, score).filter(fits);
  const heldOut = sampleComparisons(model, tok, q.rewardHeldOut, { ...settings.sampling, seed: settings.sampling.seed + 1 }, score).filter(fits);
  if (train.length < MIN_PAIRS || heldOut.length === 0) return { ...rewardData(rewardSettings('ci'), T), source: 'templated' };
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

/** Where the on-policy reward model of a profile lives: runs/<profile>/reward-onpolicy. */
export function onPolicyDir(prof: Profile = activeProfile()): string {
  return `${stageDir('reward', prof)}-onpolicy`;
}

/** Options of ensureOnPolicyReward: ensureReward's, with on-policy settings. */
export interface OnPolicyStageOptions extends Omit<RewardStageOptions, 'settings' | 'onStart'> {
  settings?: Partial<OnPolicySettings>;
  /** Who ranks the replies (default: the labeler). */
  score?: ReplyScorer;
  onStart?: (info: { trainer: RewardTrainer; from: string; splits: PreferenceSplits }) => void;
}

/**
 * The reward model RLHF uses: trained (once) on comparisons of the SFT model's own replies, ranked by
 * the labeler, saved to runs/<profile>/reward-onpolicy; loaded after that.
 *
 *   const { rm, state } = await ensureOnPolicyReward();   // state.extra.evals: held-out accuracy
 */
export async function ensureOnPolicyReward(opts: OnPolicyStageOptions = {}): Promise<RewardStage> {
  const prof = opts.profile ?? activeProfile();
  const dir = opts.dir ?? onPolicyDir(prof);
  if (!opts.force && isFinishedReward(dir)) {
    opts.log?.(`reward: loading the finished on-policy reward model in ${dir}`);
    return { ...loadRewardStage(dir), dir };
  }
  const base: OnPolicySettings = { ...onPolicySettings(prof), ...opts.settings };
  const settings: OnPolicySettings = { ...base, train: withSteps(base.train, opts.steps) };
  const source = opts.from !== undefined ? loadStageModel(opts.from) : await ensureSft({ profile: prof, log: opts.log });
  const from = resolveCheckpointDir(source.dir);
  try {
    const started = performance.now();
    const splits = onPolicyData(source.model, source.tok, settings, opts.score);
    const what = splits.source === 'on-policy'
      ? `${splits.train.length} comparisons of the SFT model's own replies (${settings.sampling.samples} per question, ${(performance.now() - started) / 1000 | 0} s to sample)`
      : `${splits.train.length} templated comparisons (notebook 05's): every reply of the SFT model to a question scored the same, so its own replies give no comparisons`;
    opts.log?.(`reward: ${what}; training ${settings.train.maxSteps} steps into ${dir}`);
    // What OnPolicyExtra adds to RewardExtra.
    const more: Omit<OnPolicyExtra, keyof RewardExtra> = {
      data: splits.source, pairs: { train: splits.train.length, heldOut: splits.heldOut.length },
      correctnessPairs: splits.train.filter((p) => p.chosenCorrect && !p.rejectedCorrect).length / splits.train.length,
    };
    return { ...(await trainRewardStage(source.model, from, dir, splits, settings, opts, more)), dir };
  } finally {
    source.model.dispose();
  }
}
