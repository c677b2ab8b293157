// Lesson 4 of the reward model: the training loop, and the number that says it works.
//
// Each step takes `batchSize` comparisons, scores the chosen and the rejected replies in one forward
// pass (2·batchSize rows, right-padded), and hands the Bradley-Terry loss to the optimizer step every
// stage shares (src/train/step.ts: gradients, clipping by global norm, AdamW) at the warmup + cosine
// learning rate of pretraining. Every
// `evalEvery` steps it measures the held-out pairwise accuracy, the share of unseen comparisons where
// the chosen reply gets the higher reward: 50% is a coin, the labeler itself scores 100%.
//
//   const trainer = new RewardTrainer(rm, splits, makeRewardTrainConfig({ maxSteps: 200 }));
//   await trainer.run({ onStep: (s) => ..., onEval: (e) => console.log(e.heldOutAccuracy) });
//
// The whole model is trained (trunk and head), as InstructGPT does, at a small learning rate: the
// SFT weights already read the prompt and reply; the head learns which of their features the
// labeler likes. Left out: freezing layers, LoRA, reward normalization (RLHF can center rewards).

import * as tf from '@tensorflow/tfjs';
import { assert, GptLabError } from '../util/assert';
import { hashSeed } from '../data/rng';
import { AdamW, AdamWConfig, DEFAULT_ADAMW, LrSchedule, checkSchedule, learningRate, optimizerStep } from '../train';
import { ChatTokens } from '../data/conversation';
import { bradleyTerryLoss, pairwiseAccuracy } from './loss';
import { PreferencePair, PreferenceSplits, stepIndices } from './data';
import { RewardModel, RewardTokens, readBatch, rewardSequence } from './model';

/** Reward model training settings. */
export interface RewardTrainConfig {
  /** Comparisons per step (each is two sequences). */
  batchSize: number;
  /** Optimizer steps in the run. */
  maxSteps: number;
  /** Warmup + cosine learning rate. */
  schedule: LrSchedule;
  adamw: AdamWConfig;
  /** Clip gradients to this global norm; 0 turns clipping off. */
  gradClip: number;
  /** Measure held-out accuracy every this many steps (and before the first and after the last); 0: only then. */
  evalEvery: number;
  /** Training pairs scored at each evaluation, to compare with held-out (the first N, fixed). */
  trainEvalPairs: number;
  /** Seeds the order of the training pairs and dropout masks. */
  seed: number;
}

export const DEFAULT_REWARD_TRAIN: RewardTrainConfig = {
  batchSize: 16, maxSteps: 200,
  schedule: { maxLr: 3e-4, minLr: 3e-5, warmupSteps: 20, decaySteps: 200 },
  adamw: { ...DEFAULT_ADAMW, weightDecay: 0 }, gradClip: 1, evalEvery: 20, trainEvalPairs: 128, seed: 1337,
};

/** DEFAULT_REWARD_TRAIN with overrides, checked; the schedule decays over maxSteps unless given. */
export function makeRewardTrainConfig(overrides: Partial<RewardTrainConfig> = {}): RewardTrainConfig {
  const maxSteps = overrides.maxSteps ?? DEFAULT_REWARD_TRAIN.maxSteps;
  const schedule = overrides.schedule ?? {
    ...DEFAULT_REWARD_TRAIN.schedule,
    warmupSteps: Math.min(DEFAULT_REWARD_TRAIN.schedule.warmupSteps, Math.floor(maxSteps / 10)), decaySteps: maxSteps,
  };
  const c: RewardTrainConfig = { ...DEFAULT_REWARD_TRAIN, ...overrides, maxSteps, schedule };
  const int = (name: string, v: number, min: number) =>
    assert(Number.isSafeInteger(v) && v >= min, () => `${name} (${v}) must be an integer >= ${min}`);
  int('batchSize', c.batchSize, 1);
  int('maxSteps', c.maxSteps, 0);
  int('evalEvery', c.evalEvery, 0);
  int('trainEvalPairs', c.trainEvalPairs, 0);
  assert(c.gradClip >= 0, () => `gradClip (${c.gradClip}) must be >= 0 (0 turns clipping off)`);
  checkSchedule(c.schedule);
  return c;
}

/** What onStep receives after every step. */
export interface RewardStepInfo {
  step: number;
  maxSteps: number;
  /** Bradley-Terry loss of this step's pairs. */
  loss: number;
  /** Share of this step's pairs ranked right (before the update). */
  accuracy: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  lr: number;
  elapsedMs: number;
}

/** What onEval receives. */
export interface RewardEvalInfo {
  step: number;
  /** Pairwise accuracy on the held-out comparisons. */
  heldOutAccuracy: number;
  /** Mean Bradley-Terry loss on them. */
  heldOutLoss: number;
  /** Pairwise accuracy on the first trainEvalPairs training comparisons (NaN when 0). */
  trainAccuracy: number;
}

/** Rewards of the chosen and rejected replies of some pairs. */
export interface PairRewards {
  chosen: number[];
  rejected: number[];
}

/** Options of RewardTrainer.run. */
export interface RewardRunOptions {
  onStep?: (s: RewardStepInfo) => void;
  onEval?: (e: RewardEvalInfo) => void;
  /** Yield to the event loop every this many steps so notebook displays redraw (default 1). */
  yieldEvery?: number;
}

/** The token sequences of pairs: the chosen replies' first, then the rejected ones'. */
export function pairSequences(pairs: readonly PreferencePair[], chat: RewardTokens): number[][] {
  return [
    ...pairs.map((p) => rewardSequence(chat, p.prompt, p.chosen)),
    ...pairs.map((p) => rewardSequence(chat, p.prompt, p.rejected)),
  ];
}

/** Scores every pair (no gradient), `batchSize` pairs per forward pass. */
export function scorePairs(
  rm: RewardModel, pairs: readonly PreferencePair[], chat: RewardTokens, batchSize = 32,
): PairRewards {
  const out: PairRewards = { chosen: [], rejected: [] };
  for (let i = 0; i < pairs.length; i += batchSize) {
    const part = pairs.slice(i, i + batchSize);
    const r = rm.scoreSequences(pairSequences(part, chat), 2 * part.length);
    out.chosen.push(...r.slice(0, part.length));
    out.rejected.push(...r.slice(part.length));
  }
  return out;
}

/** Mean of -log sigmoid(chosen - rejected), in plain numbers (for evaluation). */
function meanBtLoss(r: PairRewards): number {
  let s = 0;
  for (let i = 0; i < r.chosen.length; i++) {
    const x = r.rejected[i] - r.chosen[i];
    s += x > 30 ? x : Math.log1p(Math.exp(x)); // softplus
  }
  return s / r.chosen.length;
}

export class RewardTrainer {
  /** Optimizer steps completed. */
  step = 0;
  readonly optimizer: AdamW;

  constructor(readonly rm: RewardModel, readonly data: PreferenceSplits, readonly config: RewardTrainConfig,
    readonly chat: RewardTokens) {
    assert(data.train.length > 0 && data.heldOut.length > 0,
      () => `reward training needs training and held-out pairs; got ${data.train.length} and ${data.heldOut.length}`);
    this.optimizer = new AdamW(rm.namedVariables(), config.adamw);
  }

  /** The training pairs of a step: a function of (seed, step) only. */
  pairsAt(step: number): PreferencePair[] {
    return stepIndices(this.data.train.length, this.config.batchSize, step, this.config.seed)
      .map((i) => this.data.train[i]);
  }

  /** One optimizer step; returns its loss and batch accuracy (read from the device) and the gradient norm. */
  trainStep(): { loss: number; accuracy: number; gradNorm: number; lr: number } {
    const lr = learningRate(this.step, this.config.schedule);
    const pairs = this.pairsAt(this.step);
    const B = pairs.length;
    const batch = readBatch(pairSequences(pairs, this.chat), 0, this.rm.blockSize);
    const rate = this.rm.trunk.config.dropout;
    const dropout = rate > 0 ? { rate, seed: hashSeed(this.config.seed, 0xd409, this.step) } : undefined;
    let rewards: number[] = [];
    const step = optimizerStep(this.rm.namedVariables(), this.optimizer, [() => {
      const r = this.rm.rewardsOf(batch, dropout); // [2B]: chosen, then rejected
      rewards = Array.from(r.dataSync());
      return bradleyTerryLoss(tf.slice(r, 0, B), tf.slice(r, B, B));
    }], { lr, gradClip: this.config.gradClip });
    const loss = step.loss.dataSync()[0];
    const gradNorm = step.gradNorm.dataSync()[0];
    tf.dispose([step.loss, step.gradNorm]);
    this.step += 1;
    if (!Number.isFinite(loss)) {
      throw new GptLabError(`the reward model's loss became ${loss} at step ${this.step} ` +
        `(learning rate ${lr.toExponential(2)}): training diverged. Lower the learning rate or keep clipping on.`);
    }
    return { loss, accuracy: pairwiseAccuracy(rewards.slice(0, B), rewards.slice(B)), gradNorm, lr };
  }

  /** Held-out accuracy and loss, and accuracy on the first trainEvalPairs training pairs. */
  evaluate(): RewardEvalInfo {
    const held = scorePairs(this.rm, this.data.heldOut, this.chat);
    const trainPart = this.data.train.slice(0, this.config.trainEvalPairs);
    const train = trainPart.length > 0 ? scorePairs(this.rm, trainPart, this.chat) : undefined;
    return {
      step: this.step,
      heldOutAccuracy: pairwiseAccuracy(held.chosen, held.rejected),
      heldOutLoss: meanBtLoss(held),
      trainAccuracy: train === undefined ? NaN : pairwiseAccuracy(train.chosen, train.rejected),
    };
  }

  /** Trains to maxSteps, evaluating at the start, every evalEvery steps and at the end; returns every evaluation. */
  async run(opts: RewardRunOptions = {}): Promise<RewardEvalInfo[]> {
    const evals: RewardEvalInfo[] = [];
    const evaluate = () => {
      const e = this.evaluate();
      evals.push(e);
      opts.onEval?.(e);
    };
    const start = performance.now();
    if (this.step === 0) evaluate();
    while (this.step < this.config.maxSteps) {
      const s = this.trainStep();
      opts.onStep?.({ step: this.step, maxSteps: this.config.maxSteps, ...s, elapsedMs: performance.now() - start });
      const every = this.config.evalEvery;
      if ((every > 0 && this.step % every === 0) || this.step === this.config.maxSteps) evaluate();
      if (this.step % (opts.yieldEvery ?? 1) === 0) await tf.nextFrame();
    }
    return evals;
  }
}
