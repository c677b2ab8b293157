// The training loop: batches → loss → gradients (accumulated over micro-batches) → clip → AdamW,
// with a warmup + cosine learning rate, periodic evaluation on fixed batches, checkpoints, and an
// onStep callback that a progress bar or a notebook's live chart renders.
//
//   const trainer = new Trainer(model, { train, val }, makeTrainConfig({ maxSteps: 2000 }));
//   await trainer.run({ onStep: (s) => bar.update(s.step, { loss: s.loss }), checkpointDir: 'out/baby' });
//
// Reproducibility: the batch of (step, micro-step) is drawn from Rng(hashSeed(seed, step, micro)), and
// its dropout masks from hashSeed(seed, 0xd409, step, micro). Nothing random depends on what ran
// before, so a run resumed from a checkpoint at step s computes exactly what an uninterrupted run
// computes from step s on.
// The loss stays on the device except every logEvery steps (reading it waits for the whole step), and
// at the first step after a resume, where a NaN means a damaged checkpoint rather than divergence.
// A run with a checkpoint directory holds its lock (src/util/lock.ts) from start to end.
// Left out: mixed precision, distributed data parallel, compiled graphs.

import * as tf from '@tensorflow/tfjs';
import { assert, GptLabError } from '../util/assert';
import { Rng, hashSeed } from '../data/rng';
import { sampleBatch, Batch } from '../data/batch';
import { TokenStream } from '../data/stream';
import { toTensors } from '../data/tensors';
import { GPT } from '../model';
import { AdamW, AdamWConfig, DEFAULT_ADAMW } from './adamw';
import { checkSchedule, learningRate, LrSchedule } from './schedule';
import { clipByGlobalNorm } from './clip';
import { lockDir } from '../util/lock';
import {
  Checkpoint, CheckpointExtra, checkpointState, damagedCheckpointError, hasCheckpoint, loadCheckpoint, restoreTraining,
  saveCheckpoint, CheckpointState,
} from './checkpoint';

/** Training settings (nanoGPT's names in comments). */
export interface TrainConfig {
  /** Rows per micro-batch (batch_size). */
  batchSize: number;
  /** Micro-batches per optimizer step (gradient_accumulation_steps); the loss is their mean. */
  gradAccumSteps: number;
  /** Optimizer steps in the whole run (max_iters). */
  maxSteps: number;
  /** The learning rate schedule (learning_rate, min_lr, warmup_iters, lr_decay_iters). */
  schedule: LrSchedule;
  /** AdamW's betas, eps and weight decay. */
  adamw: AdamWConfig;
  /** Clip gradients to this global norm; 0 turns clipping off (grad_clip). */
  gradClip: number;
  /** Evaluate (and checkpoint) every this many steps (eval_interval); 0: only at the end. */
  evalEvery: number;
  /** Batches per evaluation, fixed for the whole run (eval_iters). */
  evalIters: number;
  /** Read the loss from the device and call onStep every this many steps (log_interval). */
  logEvery: number;
  /** Seeds the data batches, eval batches and dropout masks. */
  seed: number;
}

/** nanoGPT's shakespeare-char settings scaled to the baby model (its CPU overrides). */
export const DEFAULT_TRAIN: TrainConfig = {
  batchSize: 12, gradAccumSteps: 1, maxSteps: 2000,
  schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 2000 },
  adamw: DEFAULT_ADAMW, gradClip: 1, evalEvery: 250, evalIters: 20, logEvery: 10, seed: 1337,
};

/** DEFAULT_TRAIN with overrides, checked. */
export function makeTrainConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  const c: TrainConfig = { ...DEFAULT_TRAIN, ...overrides };
  const posInt = (name: string, v: number, min = 1) =>
    assert(Number.isSafeInteger(v) && v >= min, () => `${name} (${v}) must be an integer >= ${min}`);
  posInt('batchSize', c.batchSize);
  posInt('gradAccumSteps', c.gradAccumSteps);
  posInt('maxSteps', c.maxSteps, 0);
  posInt('evalEvery', c.evalEvery, 0);
  posInt('evalIters', c.evalIters);
  posInt('logEvery', c.logEvery);
  assert(c.gradClip >= 0, () => `gradClip (${c.gradClip}) must be >= 0 (0 turns clipping off)`);
  checkSchedule(c.schedule);
  return c;
}

/** What onStep receives, every logEvery steps. */
export interface StepInfo {
  /** Optimizer steps completed. */
  step: number;
  /** The run's total steps. */
  maxSteps: number;
  /** Training loss of this step (the mean over its micro-batches). */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Learning rate this step used. */
  lr: number;
  /** Training tokens per second since the run (or resume) started. */
  tokensPerSec: number;
  /** Milliseconds since the run (or resume) started. */
  elapsedMs: number;
}

/** What onEval receives. */
export interface EvalInfo {
  step: number;
  trainLoss: number;
  valLoss: number;
}

/** Options of Trainer.run. */
export interface RunOptions {
  /** Stop after this step (default config.maxSteps). */
  untilStep?: number;
  onStep?: (s: StepInfo) => void;
  /** After each evaluation, once its checkpoint (if any) is saved: a line saying "saved" is true when printed. */
  onEval?: (e: EvalInfo) => void;
  /** Save a checkpoint here at every evaluation and at the end. */
  checkpointDir?: string;
  /** Extra JSON saved with each checkpoint (e.g. the vocabulary). */
  checkpointExtra?: CheckpointExtra;
  /**
   * Save at the last step too (default true). A pipeline stage passes false and saves the finished
   * model once itself, with what it records (done, timings).
   */
  saveAtEnd?: boolean;
  /** Yield to the event loop every this many steps so notebook displays can redraw (default 1). */
  yieldEvery?: number;
}

/**
 * The mean of n losses, each computed by lossAt(i), read from the device and freed: how every trainer
 * evaluates on its fixed batches.
 *
 *   meanLoss(2, (i) => tf.scalar(i)) → 0.5
 */
export function meanLoss(n: number, lossAt: (i: number) => tf.Scalar): number {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const loss = lossAt(i);
    total += loss.dataSync()[0];
    loss.dispose();
  }
  return total / n;
}

/** The data a trainer draws from. */
export interface TrainData {
  train: TokenStream;
  val: TokenStream;
}

export class Trainer {
  /** Optimizer steps completed. */
  step = 0;
  readonly optimizer: AdamW;
  /** The checkpoint restore() loaded, if any. */
  resumedFrom?: { dir: string; step: number };

  constructor(readonly model: GPT, readonly data: TrainData, readonly config: TrainConfig) {
    this.optimizer = new AdamW(model.params.byName, config.adamw);
  }

  /** The micro-batch `micro` of optimizer step `step`: a function of (seed, step, micro) only. */
  batchAt(step: number, micro: number): Batch {
    const cfg = { batchSize: this.config.batchSize, blockSize: this.model.config.blockSize, seed: this.config.seed };
    return sampleBatch(this.data.train, cfg, new Rng(hashSeed(this.config.seed, step, micro)));
  }

  /**
   * One optimizer step; returns the mean loss and the gradient norm as scalars on the device (the
   * caller disposes them).
   */
  trainStep(): { loss: tf.Scalar; gradNorm: tf.Scalar; lr: number } {
    const { gradAccumSteps: accum, gradClip } = this.config;
    const lr = learningRate(this.step, this.config.schedule);
    const named = [...this.model.params.byName];
    const vars = named.map(([, v]) => v);
    let sum: tf.Tensor[] | undefined;
    let lossSum: tf.Scalar | undefined;
    for (let micro = 0; micro < accum; micro++) {
      const { x, y } = toTensors(this.batchAt(this.step, micro));
      const rate = this.model.config.dropout;
      const dropout = rate > 0 ? { rate, seed: hashSeed(this.config.seed, 0xd409, this.step, micro) } : undefined;
      // subtle: divide by accum so the accumulated gradient is that of the mean loss, as one big batch.
      const { value, grads } = tf.variableGrads(
        () => tf.div(this.model.loss(x, y, { dropout }), accum) as tf.Scalar, vars);
      const g = vars.map((v) => grads[v.name]);
      if (sum === undefined) {
        sum = g;
        lossSum = value;
      } else {
        const prev: tf.Tensor[] = sum;
        sum = prev.map((s, i) => tf.add(s, g[i]));
        const prevLoss: tf.Scalar = lossSum!;
        lossSum = tf.add(prevLoss, value) as tf.Scalar;
        tf.dispose([...prev, ...g, prevLoss, value]);
      }
      tf.dispose([x, y]);
    }
    let final = sum!;
    let gradNorm: tf.Scalar;
    if (gradClip > 0) {
      const clipped = clipByGlobalNorm(final, gradClip);
      tf.dispose(final);
      final = clipped.grads;
      gradNorm = clipped.norm;
    } else {
      gradNorm = tf.tidy(() => tf.sqrt(tf.addN(final.map((g) => tf.sum(tf.square(g))))) as tf.Scalar);
    }
    this.optimizer.update(new Map(named.map(([name], i) => [name, final[i]])), lr);
    tf.dispose(final);
    this.step += 1;
    return { loss: lossSum!, gradNorm, lr };
  }

  /** The fixed evaluation batches of a split: batch i is a function of (seed, split, i). */
  evalBatch(split: 'train' | 'val', i: number): Batch {
    const stream = split === 'train' ? this.data.train : this.data.val;
    const cfg = { batchSize: this.config.batchSize, blockSize: this.model.config.blockSize, seed: this.config.seed };
    return sampleBatch(stream, cfg, new Rng(hashSeed(this.config.seed, 0xe7a1, split === 'train' ? 0 : 1, i)));
  }

  /** Mean loss over the first n (default evalIters) fixed batches of a split, without dropout. */
  evaluateSplit(split: 'train' | 'val', n = this.config.evalIters): number {
    return meanLoss(n, (i) => tf.tidy(() => {
      const { x, y } = toTensors(this.evalBatch(split, i));
      return this.model.loss(x, y);
    }));
  }

  /** Train and validation loss on the fixed batches. */
  evaluate(): EvalInfo {
    return { step: this.step, trainLoss: this.evaluateSplit('train'), valLoss: this.evaluateSplit('val') };
  }

  /** Restores weights, optimizer state and step from a checkpoint of the same config. */
  restore(ckpt: Checkpoint): void {
    this.step = restoreTraining(this.model, this.optimizer, ckpt);
    this.resumedFrom = { dir: ckpt.dir, step: this.step };
  }

  /** Saves a checkpoint of the current state under dir. */
  save(
    dir: string, extra: RunOptions['checkpointExtra'] = {}, metrics?: CheckpointState['metrics'],
  ): { dir: string; state: CheckpointState } {
    const fields = {
      step: this.step, config: this.model.config, train: this.config, seed: this.config.seed, metrics, ...extra,
    };
    return { dir: saveCheckpoint(dir, fields, this.model, this.optimizer), state: checkpointState(fields) };
  }


  /** Throws the NaN/inf error for a loss read at the current step. */
  private checkFinite(loss: number, lr: number, what: string, dir?: string): void {
    if (Number.isFinite(loss)) return;
    const step = dir !== undefined && hasCheckpoint(dir) ? loadCheckpointStep(dir) : undefined;
    const kept = step !== undefined ? ` The last good checkpoint in ${dir} (step ${step}) is kept.` : '';
    throw new GptLabError(`${what} became ${loss} at step ${this.step} (learning rate ${lr.toExponential(2)}): ` +
      `training diverged. Lower the learning rate (e.g. halve it), lengthen the warmup, ` +
      `or keep gradient clipping on.${kept}`);
  }

  /**
   * Trains until untilStep (default maxSteps), evaluating and checkpointing every evalEvery steps and
   * at the end. Resolves with the last evaluation. Holds the lock of checkpointDir throughout: a second
   * run on the same directory fails at once.
   */
  async run(opts: RunOptions = {}): Promise<EvalInfo> {
    const lock = opts.checkpointDir !== undefined ? lockDir(opts.checkpointDir) : undefined;
    try {
      return await this.runLocked(opts);
    } finally {
      lock?.release();
    }
  }

  private async runLocked(opts: RunOptions): Promise<EvalInfo> {
    const until = opts.untilStep ?? this.config.maxSteps;
    const { logEvery, evalEvery } = this.config;
    const tokensPerStep = this.config.batchSize * this.config.gradAccumSteps * this.model.config.blockSize;
    const start = performance.now();
    const startStep = this.step;
    let last: EvalInfo | undefined;
    const evaluateAndSave = () => {
      last = this.evaluate();
      this.checkFinite(last.valLoss, learningRate(Math.max(0, this.step - 1), this.config.schedule),
        'the validation loss', opts.checkpointDir);
      const final = this.step >= until && opts.saveAtEnd === false;
      if (opts.checkpointDir !== undefined && !final) this.save(opts.checkpointDir, opts.checkpointExtra,
        { trainLoss: last.trainLoss, valLoss: last.valLoss });
      opts.onEval?.(last);
    };
    const firstAfterLoad = this.resumedFrom?.step === this.step ? this.step + 1 : -1;
    while (this.step < until) {
      const { loss, gradNorm, lr } = this.trainStep();
      const isLog = this.step % logEvery === 0 || this.step === until;
      const isEval = (evalEvery > 0 && this.step % evalEvery === 0) || this.step === until;
      if (isLog || isEval || this.step === firstAfterLoad) {
        const value = loss.dataSync()[0];
        const norm = gradNorm.dataSync()[0];
        tf.dispose([loss, gradNorm]);
        if (this.step === firstAfterLoad && !Number.isFinite(value)) {
          throw damagedCheckpointError('the training loss', value, this.resumedFrom!);
        }
        this.checkFinite(value, lr, 'the training loss', opts.checkpointDir);
        const elapsedMs = performance.now() - start;
        if (isLog || isEval) opts.onStep?.({
          step: this.step, maxSteps: until, loss: value, gradNorm: norm, lr, elapsedMs,
          tokensPerSec: ((this.step - startStep) * tokensPerStep) / (elapsedMs / 1000),
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

/** The step of dir's checkpoint, or undefined when it does not load (then it is no good checkpoint). */
function loadCheckpointStep(dir: string): number | undefined {
  try {
    return loadCheckpoint(dir).state.step;
  } catch {
    return undefined;
  }
}
