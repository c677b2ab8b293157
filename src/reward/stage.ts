// Lesson 5 of the reward model: the stage, as the pipeline runs it.
//
// `ensureReward` is what notebooks 05 and 06 and `gpt-lab reward` call. It loads the finished reward
// model from runs/<profile>/reward if there is one (state.extra.done), and otherwise trains one:
// the SFT model's weights (ensureSft, or a checkpoint given as `from`) plus a new head, on the
// labeler's comparisons, then saves it in the pretraining checkpoint format with the head as extra
// weights ('reward.head.weight', 'reward.head.bias') and its history of evaluations in state.extra.
//
//   const { rm, state } = await ensureReward();        // trains the first time, loads after that
//   rm.score([prompt], [reply])                        → [1.2]
//
// Left out: resuming an interrupted reward run (it is minutes long: it starts over).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { Profile, profile as activeProfile } from '../profile';
import { stageDir } from '../stages';
import { charTokenizer } from '../data/char-tokenizer';
import { makeWorld } from '../data/world/world';
import { labelerReward, preferenceTask } from '../data/world/labeler';
import { GPT } from '../model';
import { CheckpointState, hasCheckpoint, loadCheckpoint, modelFromCheckpoint, resolveCheckpointDir, saveCheckpoint, withSteps } from '../train';
import { StageOptions, ensureSft, loadStageModel } from '../sft';
import { HEAD_BIAS, HEAD_WEIGHT, RewardModel, rewardSequence, rewardTokens } from './model';
import { PreferenceSplits, SplitSizes, splitPairs } from './data';
import { RewardEvalInfo, RewardStepInfo, RewardTrainConfig, RewardTrainer, makeRewardTrainConfig, scorePairs } from './train';

/** Everything a reward run is set by, per profile. */
export interface RewardSettings {
  /** Comparisons to train on and to hold out (example ranges 0..train-1 and train..train+heldOut-1). */
  pairs: SplitSizes;
  train: Partial<RewardTrainConfig>;
  /** Seed of the head's init. */
  headSeed: number;
}

/** The settings of a profile: `ci` trains in seconds, `full` is what the notebook shows. */
export function rewardSettings(prof: Profile = activeProfile()): RewardSettings {
  return prof === 'ci'
    ? {
      pairs: { train: 256, heldOut: 64 }, headSeed: 1337,
      train: { batchSize: 16, maxSteps: 60, evalEvery: 10, trainEvalPairs: 64, schedule: { maxLr: 3e-3, minLr: 3e-4, warmupSteps: 5, decaySteps: 60 } },
    }
    : {
      pairs: { train: 2000, heldOut: 300 }, headSeed: 1337,
      train: { batchSize: 16, maxSteps: 150, evalEvery: 15, trainEvalPairs: 128, schedule: { maxLr: 2e-3, minLr: 2e-4, warmupSteps: 10, decaySteps: 150 } },
    };
}

/** What a finished reward checkpoint records in state.extra. */
export interface RewardExtra {
  done: true;
  /** The SFT checkpoint the trunk came from. */
  from: string;
  settings: RewardSettings;
  /** Every evaluation, the first before training. */
  evals: RewardEvalInfo[];
  /** [step, loss] of every step. */
  losses: [number, number][];
  /** Mean and standard deviation of the rewards of held-out replies (RLHF may center with them). */
  rewardMean: number;
  rewardStd: number;
  /** Pearson correlation of reward and labeler score over held-out replies. */
  labelerCorrelation: number;
  /** Seconds the training took. */
  seconds: number;
}

/**
 * Options of ensureReward: the stages' common options (profile, dir, from, force, steps, log), with
 * the reward run's own callbacks.
 */
export interface RewardStageOptions extends Omit<StageOptions, 'onStep' | 'onEval' | 'onStart'> {
  /** Overrides of the profile's settings (fresh runs only). */
  settings?: Partial<RewardSettings>;
  /** Called before training starts (not when loading). */
  onStart?: (info: { trainer: RewardTrainer; from: string; splits: PreferenceSplits }) => void;
  onStep?: (s: RewardStepInfo) => void;
  onEval?: (e: RewardEvalInfo) => void;
}

/** A reward model with where it lives and what its checkpoint says. */
export interface RewardStage {
  rm: RewardModel;
  dir: string;
  state: CheckpointState;
}

/** Whether dir holds a finished reward model. */
export function isFinishedReward(dir: string): boolean {
  if (!hasCheckpoint(dir)) return false;
  try {
    const s = loadCheckpoint(dir).state;
    return s.stage === 'reward' && s.extra?.done === true;
  } catch {
    return false;
  }
}

/**
 * A reward model from a checkpoint written by ensureReward (or `gpt-lab reward`).
 *
 *   loadRewardModel('runs/full/reward').score([prompt], ['Sure! 5+7=12.']) → [2.1]
 */
export function loadRewardModel(dir: string): RewardModel {
  return loadRewardStage(dir).rm;
}

/** A finished reward stage from its checkpoint: the model, where it lives and what it recorded. */
export function loadRewardStage(dir: string): RewardStage {
  const ckpt = loadCheckpoint(dir);
  const w = ckpt.weights.get(HEAD_WEIGHT);
  const b = ckpt.weights.get(HEAD_BIAS);
  assert(w !== undefined && b !== undefined, () => `${ckpt.dir} has no reward head (${HEAD_WEIGHT}, ${HEAD_BIAS}): it is a ${ckpt.state.stage ?? 'pretraining'} checkpoint; train a reward model with \`gpt-lab reward --from ${dir} --out DIR\``);
  const trunk = modelFromCheckpoint(ckpt);
  const [headW, headB] = tf.tidy(() => [tf.variable(tf.tensor(w.data, w.shape, 'float32'), true), tf.variable(tf.tensor(b.data, b.shape, 'float32'), true)]);
  const rm = new RewardModel(trunk, headW, headB);
  return { rm, dir: ckpt.dir, state: ckpt.state };
}

/** Pearson correlation of two equally long lists: pearson([1, 2, 3], [2, 4, 7]) → 0.993 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  assert(x.length === y.length && x.length > 1, () => `pearson: need two lists of equal length above 1, got ${x.length} and ${y.length}`);
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? 0 : sxy / Math.sqrt(sxx * syy);
}

/** Rewards and labeler scores of every held-out reply (chosen ones first, then rejected). */
export function heldOutReplies(rm: RewardModel, splits: PreferenceSplits): { reward: number[]; labeler: number[] } {
  const r = scorePairs(rm, splits.heldOut, rewardTokens(charTokenizer()));
  const labeler = [...splits.heldOut.map((p) => labelerReward(p.source, p.chosen)), ...splits.heldOut.map((p) => labelerReward(p.source, p.rejected))];
  return { reward: [...r.chosen, ...r.rejected], labeler };
}

/**
 * The world's comparisons, split as the settings say (the notebook reads the same pairs): training
 * pairs from the first examples, held-out pairs from a range after them twice their count (pairs
 * whose sequences exceed blockSize are skipped, so a short context sees fewer long replies).
 */
export function rewardData(settings: RewardSettings, blockSize: number): PreferenceSplits {
  const { train, heldOut } = settings.pairs;
  const chat = rewardTokens(charTokenizer());
  const task = preferenceTask(makeWorld(), { size: 2 * (train + heldOut) });
  return splitPairs(task, settings.pairs, (p, reply) => rewardSequence(chat, p.prompt, reply).length <= blockSize, 2 * heldOut);
}

/**
 * Trains a reward model on `trunk` (copied, not changed) on the comparisons `splits` and saves it under
 * dir as a finished stage. state.extra records the settings and the run (RewardExtra), then `more`
 * (what a variant adds, e.g. where its comparisons came from). Every reward stage trains through
 * here. The caller disposes the returned model.
 */
export async function trainRewardStage(
  trunk: GPT, from: string, dir: string, splits: PreferenceSplits, settings: { train: Partial<RewardTrainConfig>; headSeed: number },
  opts: Pick<RewardStageOptions, 'onStart' | 'onStep' | 'onEval' | 'log'> = {}, more: Record<string, unknown> = {},
): Promise<RewardStage> {
  const rm = RewardModel.fromTrunk(trunk, settings.headSeed);
  const trainer = new RewardTrainer(rm, splits, makeRewardTrainConfig(settings.train), rewardTokens(charTokenizer()));
  opts.onStart?.({ trainer, from, splits });
  const losses: [number, number][] = [];
  const start = performance.now();
  const evals = await trainer.run({
    onStep: (s) => { losses.push([s.step, s.loss]); opts.onStep?.(s); },
    onEval: opts.onEval,
  });
  const seconds = (performance.now() - start) / 1000;
  const held = heldOutReplies(rm, splits);
  const mean = held.reward.reduce((a, b) => a + b, 0) / held.reward.length;
  const std = Math.sqrt(held.reward.reduce((a, b) => a + (b - mean) ** 2, 0) / held.reward.length);
  const extra = {
    done: true, from, settings, evals, losses, rewardMean: mean, rewardStd: std,
    labelerCorrelation: pearson(held.reward, held.labeler), seconds, ...more,
  };
  trainer.optimizer.dispose();
  const saved = saveCheckpoint(dir, {
    step: trainer.step, config: rm.trunk.config, train: trainer.config, seed: trainer.config.seed,
    tokenizer: 'chat-char', stage: 'reward', data: 'world-small', extra,
  }, rm.trunk, undefined, rm.headWeights());
  opts.log?.(`reward: trained in ${seconds.toFixed(0)} s, held-out accuracy ${(100 * evals[0].heldOutAccuracy).toFixed(1)}% → ${(100 * evals[evals.length - 1].heldOutAccuracy).toFixed(1)}%`);
  return { rm, dir: saved, state: loadCheckpoint(dir).state };
}

/**
 * The reward model of a profile: loaded from dir when finished there (unless force), else trained
 * from `from` (or the SFT stage) and saved.
 */
export async function ensureReward(opts: RewardStageOptions = {}): Promise<RewardStage> {
  const prof = opts.profile ?? activeProfile();
  const dir = opts.dir ?? stageDir('reward', prof);
  if (!opts.force && isFinishedReward(dir)) {
    opts.log?.(`reward: loading the finished reward model in ${dir}`);
    return loadRewardStage(dir);
  }
  const base = rewardSettings(prof);
  let settings: RewardSettings = { ...base, ...opts.settings };
  settings = { ...settings, train: withSteps(settings.train, opts.steps) };
  const source = opts.from !== undefined ? loadStageModel(opts.from) : await ensureSft({ profile: prof, log: opts.log });
  const from = resolveCheckpointDir(source.dir);
  opts.log?.(`reward: training from ${from} (${settings.train.maxSteps} steps of ${settings.train.batchSize} pairs) into ${dir}`);
  try {
    return await trainRewardStage(source.model, from, dir, rewardData(settings, source.model.config.blockSize), settings, opts);
  } finally {
    source.model.dispose();
  }
}

