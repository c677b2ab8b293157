// Lesson 5 of the reward model: the stage, an SFT model in and a reward model out.
//
// The SFT model's weights (copied) plus a new head, trained on comparisons, then saved in the
// pretraining checkpoint format with the head as extra weights ('reward.head.weight',
// 'reward.head.bias') and its history of evaluations in state.extra (RewardExtra).
//
//   const { rm, state } = await trainRewardStage(sft, splits, settings, { dir: 'runs/full/reward', record }, { from });
//   rm.score([prompt], [reply], rewardTokens(sft.tok))   → [1.2]
//
// Notebook 05 trains on the labeler's templated comparisons (rewardData); notebook 06's reward models
// on comparisons of the SFT model's own replies (onpolicy.ts). Both train and save through here;
// src/pipeline decides whether to train and loads a finished one (rewardFromCheckpoint).
// Left out: resuming an interrupted reward run (it is minutes long: it starts over).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { World } from '../data/world/world';
import { labelerReward, preferenceTask } from '../data/world/labeler';
import { ChatModel } from '../sample/chat';
import { Checkpoint, CheckpointState, modelFromCheckpoint, saveCheckpoint, checkpointState } from '../train/checkpoint';
import { StageSave } from '../train/world';
import { HEAD_BIAS, HEAD_WEIGHT, RewardModel, RewardTokens, rewardSequence, rewardTokens } from './model';
import { PreferenceSplits, SplitSizes, splitPairs } from './data';
import {
  RewardEvalInfo, RewardStepInfo, RewardTrainConfig, RewardTrainer, makeRewardTrainConfig, scorePairs,
} from './train';

/** Everything a reward run is set by, per profile. */
export interface RewardSettings {
  /** Comparisons to train on and to hold out (example ranges 0..train-1 and train..train+heldOut-1). */
  pairs: SplitSizes;
  train: Partial<RewardTrainConfig>;
  /** Seed of the head's init. */
  headSeed: number;
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

/** Progress callbacks of a reward run. */
export interface RewardHooks {
  /** Called before training starts. */
  onStart?: (info: { trainer: RewardTrainer; from: string; splits: PreferenceSplits }) => void;
  onStep?: (s: RewardStepInfo) => void;
  onEval?: (e: RewardEvalInfo) => void;
}

/** A reward model with what its checkpoint says. The caller disposes rm. */
export interface RewardStage {
  rm: RewardModel;
  /** The tokenizer it reads through, and its tokens (with <|reward|>). */
  tok: ChatTokenizer;
  chat: RewardTokens;
  state: CheckpointState;
}

/**
 * The reward model of a loaded checkpoint (trunk + head).
 *
 *   rewardFromCheckpoint(loadCheckpoint('runs/full/reward')).score(...)
 */
export function rewardFromCheckpoint(ckpt: Checkpoint): RewardModel {
  const w = ckpt.weights.get(HEAD_WEIGHT);
  const b = ckpt.weights.get(HEAD_BIAS);
  assert(w !== undefined && b !== undefined,
    () => `${ckpt.dir} has no reward head (${HEAD_WEIGHT}, ${HEAD_BIAS}): ` +
      `it is a ${ckpt.state.stage ?? 'pretraining'} checkpoint; ` +
      `train a reward model with \`gpt-lab reward --from ${ckpt.dir} --out DIR\``);
  const trunk = modelFromCheckpoint(ckpt);
  const [headW, headB] = tf.tidy(() => [
    tf.variable(tf.tensor(w.data, w.shape, 'float32'), true), tf.variable(tf.tensor(b.data, b.shape, 'float32'), true),
  ]);
  return new RewardModel(trunk, headW, headB);
}

/** Pearson correlation of two equally long lists: pearson([1, 2, 3], [2, 4, 7]) → 0.993 */
export function pearson(x: readonly number[], y: readonly number[]): number {
  assert(x.length === y.length && x.length > 1,
    () => `pearson: need two lists of equal length above 1, got ${x.length} and ${y.length}`);
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
export function heldOutReplies(
  rm: RewardModel, splits: PreferenceSplits, chat: RewardTokens,
): { reward: number[]; labeler: number[] } {
  const r = scorePairs(rm, splits.heldOut, chat);
  const labeler = [
    ...splits.heldOut.map((p) => labelerReward(p.source, p.chosen)),
    ...splits.heldOut.map((p) => labelerReward(p.source, p.rejected)),
  ];
  return { reward: [...r.chosen, ...r.rejected], labeler };
}

/**
 * The world's comparisons, split as the settings say (the notebook reads the same pairs): training
 * pairs from the first examples, held-out pairs from a range after them twice their count (pairs
 * whose sequences exceed blockSize are skipped, so a short context sees fewer long replies).
 */
export function rewardData(
  world: World, settings: Pick<RewardSettings, 'pairs'>, chat: RewardTokens, blockSize: number,
): PreferenceSplits {
  const { train, heldOut } = settings.pairs;
  const task = preferenceTask(world, { size: 2 * (train + heldOut) });
  return splitPairs(
    task, settings.pairs, (p, reply) => rewardSequence(chat, p.prompt, reply).length <= blockSize, 2 * heldOut);
}

/**
 * Trains a reward model on a copy of `sft.model` on the comparisons `splits` and saves it under
 * save.dir as a finished stage, once. state.extra records the settings and the run (RewardExtra),
 * then `more` (what a variant adds, e.g. where its comparisons came from). Every reward stage trains
 * through here. The caller disposes the returned model.
 */
export async function trainRewardStage(
  sft: ChatModel, splits: PreferenceSplits, settings: { train: Partial<RewardTrainConfig>; headSeed: number },
  save: StageSave,
  opts: RewardHooks & { from: string; log?: (line: string) => void }, more: Record<string, unknown> = {},
): Promise<RewardStage> {
  const chat = rewardTokens(sft.tok);
  const rm = RewardModel.fromTrunk(sft.model, settings.headSeed);
  const trainer = new RewardTrainer(rm, splits, makeRewardTrainConfig(settings.train), chat);
  opts.onStart?.({ trainer, from: opts.from, splits });
  const losses: [number, number][] = [];
  const start = performance.now();
  const evals = await trainer.run({
    onStep: (s) => { losses.push([s.step, s.loss]); opts.onStep?.(s); },
    onEval: opts.onEval,
  });
  const seconds = (performance.now() - start) / 1000;
  const held = heldOutReplies(rm, splits, chat);
  const mean = held.reward.reduce((a, b) => a + b, 0) / held.reward.length;
  const std = Math.sqrt(held.reward.reduce((a, b) => a + (b - mean) ** 2, 0) / held.reward.length);
  const extra = {
    done: true, from: opts.from, settings, evals, losses, rewardMean: mean, rewardStd: std,
    labelerCorrelation: pearson(held.reward, held.labeler), seconds, ...more,
  };
  trainer.optimizer.dispose();
  const fields = {
    step: trainer.step, config: rm.trunk.config, train: trainer.config, seed: trainer.config.seed,
    ...save.record, stage: 'reward' as const, extra,
  };
  saveCheckpoint(save.dir, fields, rm.trunk, undefined, rm.headWeights());
  opts.log?.(`reward: trained in ${seconds.toFixed(0)} s, ` +
    `held-out accuracy ${(100 * evals[0].heldOutAccuracy).toFixed(1)}% → ` +
    `${(100 * evals[evals.length - 1].heldOutAccuracy).toFixed(1)}%`);
  return { rm, tok: sft.tok, chat, state: checkpointState(fields) };
}
