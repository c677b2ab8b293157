// Lesson 5 of SFT: the fine-tuning loop.
//
// The pretraining loop with two changes: batches are padded conversations instead of windows of a
// stream, and the loss is the masked one (loss.ts). Everything else is pretraining's: AdamW with
// decoupled weight decay, warmup + cosine learning rate (lower than pretraining's, since the model
// already knows the language and should not forget it), clipping by global norm, the same StepInfo
// and EvalInfo for progress displays, the same checkpoint format. Batch s is a function of
// (seed, s), so a run resumed from a checkpoint continues exactly.
//
//   const trainer = new SftTrainer(model, tok, { train, val }, makeSftTrainConfig({ maxSteps: 300 }));
//   await trainer.run({ onStep, checkpointDir: 'runs/full/sft' });
//
// Left out: gradient accumulation (one batch per step), mixing pretraining text back in.

import * as tf from '@tensorflow/tfjs';
import { assert, GptLabError } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { RenderedConversation } from '../data/conversation';
import { ShiftedBatch } from '../data/padding';
import { hashSeed } from '../data/rng';
import { GPT } from '../model';
import { AdamW, AdamWConfig, DEFAULT_ADAMW } from '../train/adamw';
import {
  Checkpoint, CheckpointExtra, CheckpointState, checkpointState, damagedCheckpointError, restoreTraining,
  saveCheckpoint,
} from '../train/checkpoint';
import { lockDir } from '../util/lock';
import { checkSchedule, learningRate, LrSchedule } from '../train/schedule';
import { optimizerStep } from '../train/step';
import { EvalInfo, meanLoss, RunOptions } from '../train/trainer';
import { batchIndices, sftBatch } from './data';
import { sftLoss } from './loss';

/** SFT's training settings. */
export interface SftTrainConfig {
  /** Conversations per step. */
  batchSize: number;
  /** Optimizer steps in the whole run. */
  maxSteps: number;
  /** Warmup + cosine; SFT peaks lower than pretraining. */
  schedule: LrSchedule;
  adamw: AdamWConfig;
  /** Clip gradients to this global norm; 0 turns clipping off. */
  gradClip: number;
  /** Evaluate (and checkpoint) every this many steps; 0: only at the end. */
  evalEvery: number;
  /** Batches of each split per evaluation (fixed for the run). */
  evalBatches: number;
  /** Read the loss and call onStep every this many steps. */
  logEvery: number;
  /** Seeds the epochs' shuffles and dropout masks. */
  seed: number;
}

/** Defaults for the baby-sized base model. */
export const DEFAULT_SFT_TRAIN: SftTrainConfig = {
  batchSize: 16, maxSteps: 300,
  schedule: { maxLr: 5e-4, minLr: 5e-5, warmupSteps: 20, decaySteps: 300 },
  adamw: DEFAULT_ADAMW, gradClip: 1, evalEvery: 100, evalBatches: 4, logEvery: 10, seed: 2024,
};

/** DEFAULT_SFT_TRAIN with overrides, checked. */
export function makeSftTrainConfig(overrides: Partial<SftTrainConfig> = {}): SftTrainConfig {
  const c: SftTrainConfig = { ...DEFAULT_SFT_TRAIN, ...overrides };
  const int = (name: string, v: number, min: number) =>
    assert(Number.isSafeInteger(v) && v >= min, () => `${name} (${v}) must be an integer >= ${min}`);
  int('batchSize', c.batchSize, 1);
  int('maxSteps', c.maxSteps, 0);
  int('evalEvery', c.evalEvery, 0);
  int('evalBatches', c.evalBatches, 1);
  int('logEvery', c.logEvery, 1);
  assert(c.gradClip >= 0, () => `gradClip (${c.gradClip}) must be >= 0 (0 turns clipping off)`);
  checkSchedule(c.schedule);
  return c;
}

/** Rendered conversations to train on and to measure the validation loss on. */
export interface SftData {
  train: RenderedConversation[];
  val: RenderedConversation[];
}

/** Options of SftTrainer.run: the pretraining Trainer's (stop step, callbacks, checkpoints, yielding). */
export type SftRunOptions = RunOptions;

export class SftTrainer {
  /** Optimizer steps completed. */
  step = 0;
  readonly optimizer: AdamW;
  /** The checkpoint restore() loaded, if any. */
  resumedFrom?: { dir: string; step: number };

  constructor(
    readonly model: GPT, readonly tok: ChatTokenizer, readonly data: SftData, readonly config: SftTrainConfig,
  ) {
    assert(data.train.length > 0 && data.val.length > 0,
      () => `SFT needs training and validation conversations (got ${data.train.length} and ${data.val.length})`);
    this.optimizer = new AdamW(model.params.byName, config.adamw);
  }

  /** The batch of optimizer step `step`: a function of (seed, step) only. */
  batchAt(step: number): ShiftedBatch {
    const idx = batchIndices(this.data.train.length, this.config.batchSize, this.config.seed, step);
    return sftBatch(this.tok, idx.map((i) => this.data.train[i]), this.model.config.blockSize);
  }

  /** The fixed evaluation batch i of a split: validation in order, training from its own shuffle. */
  evalBatch(split: 'train' | 'val', i: number): ShiftedBatch {
    const B = this.config.batchSize;
    const rows = split === 'val'
      ? batchIndices(this.data.val.length, B, 0, i).map((j) => this.data.val[j])
      : batchIndices(this.data.train.length, B, hashSeed(this.config.seed, 0xe7a1), i).map((j) => this.data.train[j]);
    return sftBatch(this.tok, rows, this.model.config.blockSize);
  }

  /**
   * One optimizer step; the loss and gradient norm stay on the device (the caller disposes them);
   * tokens: B x T read.
   */
  trainStep(): { loss: tf.Scalar; gradNorm: tf.Scalar; lr: number; tokens: number } {
    const lr = learningRate(this.step, this.config.schedule);
    const batch = this.batchAt(this.step);
    const rate = this.model.config.dropout;
    const dropout = rate > 0 ? { rate, seed: hashSeed(this.config.seed, 0xd409, this.step) } : undefined;
    const { loss, gradNorm } = optimizerStep(this.model.params.byName, this.optimizer,
      [() => sftLoss(this.model, batch, { dropout })], { lr, gradClip: this.config.gradClip });
    this.step += 1;
    return { loss, gradNorm, lr, tokens: batch.shape[0] * batch.shape[1] };
  }

  /** Mean masked loss over the fixed batches of a split, without dropout. */
  evaluateSplit(split: 'train' | 'val'): number {
    return meanLoss(this.config.evalBatches, (i) => sftLoss(this.model, this.evalBatch(split, i)));
  }

  evaluate(): EvalInfo {
    return { step: this.step, trainLoss: this.evaluateSplit('train'), valLoss: this.evaluateSplit('val') };
  }

  /** Restores weights, optimizer moments and step from an SFT checkpoint of this model's shape. */
  restore(ckpt: Checkpoint): void {
    this.step = restoreTraining(this.model, this.optimizer, ckpt);
    this.resumedFrom = { dir: ckpt.dir, step: this.step };
  }

  /** Saves a checkpoint (weights, moments, settings) under dir. */
  save(
    dir: string, extra: CheckpointExtra = {}, metrics?: CheckpointState['metrics'],
  ): { dir: string; state: CheckpointState } {
    const fields = {
      step: this.step, config: this.model.config, train: this.config, seed: this.config.seed, metrics, ...extra,
    };
    return { dir: saveCheckpoint(dir, fields, this.model, this.optimizer), state: checkpointState(fields) };
  }

  /**
   * Trains until untilStep (default maxSteps), evaluating and checkpointing; resolves with the last evaluation.
   * Holds the lock of checkpointDir throughout: a second run on the same directory fails at once.
   */
  async run(opts: SftRunOptions = {}): Promise<EvalInfo> {
    const lock = opts.checkpointDir !== undefined ? lockDir(opts.checkpointDir) : undefined;
    try {
      return await this.runLocked(opts);
    } finally {
      lock?.release();
    }
  }

  private async runLocked(opts: SftRunOptions): Promise<EvalInfo> {
    const until = opts.untilStep ?? this.config.maxSteps;
    const start = performance.now();
    let tokens = 0;
    let last: EvalInfo | undefined;
    const evaluateAndSave = () => {
      last = this.evaluate();
      if (!Number.isFinite(last.valLoss))
        throw new GptLabError(`the SFT validation loss became ${last.valLoss} at step ${this.step}: ` +
          'training diverged; lower schedule.maxLr (e.g. halve it) or keep gradClip on');
      const final = this.step >= until && opts.saveAtEnd === false;
      if (opts.checkpointDir !== undefined && !final)
        this.save(opts.checkpointDir, opts.checkpointExtra, { trainLoss: last.trainLoss, valLoss: last.valLoss });
      opts.onEval?.(last);
    };
    // subtle: the loss of the first step after a resume comes from the loaded weights alone (before any update)
    const firstAfterLoad = this.resumedFrom?.step === this.step ? this.step + 1 : -1;
    while (this.step < until) {
      const { loss, gradNorm, lr, tokens: n } = this.trainStep();
      tokens += n;
      const isLog = this.step % this.config.logEvery === 0 || this.step === until;
      const isEval = (this.config.evalEvery > 0 && this.step % this.config.evalEvery === 0) || this.step === until;
      if (isLog || isEval || this.step === firstAfterLoad) {
        const value = loss.dataSync()[0];
        const norm = gradNorm.dataSync()[0];
        tf.dispose([loss, gradNorm]);
        if (this.step === firstAfterLoad && !Number.isFinite(value)) {
          throw damagedCheckpointError('the SFT loss', value, this.resumedFrom!);
        }
        if (!Number.isFinite(value))
          throw new GptLabError(`the SFT loss became ${value} at step ${this.step} ` +
            `(learning rate ${lr.toExponential(2)}): training diverged; lower schedule.maxLr or keep gradClip on`);
        const elapsedMs = performance.now() - start;
        if (isLog || isEval) opts.onStep?.({
          step: this.step, maxSteps: until, loss: value, gradNorm: norm, lr, elapsedMs,
          tokensPerSec: tokens / (elapsedMs / 1000),
        });
      } else {
        tf.dispose([loss, gradNorm]);
      }
      if (isEval) evaluateAndSave();
      if (this.step % (opts.yieldEvery ?? 1) === 0) await tf.nextFrame();
    }
    if (last === undefined) evaluateAndSave();
    return last!;
  }
}
