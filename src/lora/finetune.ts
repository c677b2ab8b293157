// LoRA, part 3: fine-tuning with adapters against fine-tuning every weight, on a format the SFT model
// has never seen: its answers to fact questions wrapped in JSON.
//
//   user: Where is Dusem?     assistant: {"answer": "Dusem is in the north."}
//
// fineTuneRun trains one setting (a rank, or every weight; one learning rate) for a fixed number of
// steps from the same start and reports the masked validation loss on held-out questions, the trainable
// fraction and AdamW's state size. The base is never changed: adapters ride on a frozen view of it, and
// full fine-tuning trains a copy.
//
//   const data = jsonFormatData(tok, world, { examples: 600, valExamples: 32 }, 256);
//   fineTuneRun(sft.model, tok, data, { rank: 4, lr: 1e-2, steps: 30, batchSize: 16, seed: 1 }).valLoss → 0.9 (say)
//
// Left out: dropout on the adapter path, early stopping (every run takes the same steps).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { assistant, RenderedConversation, say, user } from '../data/conversation';
import { factsTask } from '../data/world/questions';
import { referenceAnswer } from '../data/world/task';
import { World } from '../data/world/world';
import { formatObject } from '../constrain/schema';
import { GPT, groupParams } from '../model';
import { AdamW } from '../train/adamw';
import { learningRate } from '../train/schedule';
import { optimizerStep } from '../train/step';
import { meanLoss } from '../train/trainer';
import { batchIndices, renderExamples, sftBatch } from '../sft/data';
import { sftLoss } from '../sft/loss';
import { createAdapters, disposeAdapters, LoraAdapters, LoraTarget, trainableCounts, withAdapters } from './lora';

/** Training and validation conversations of the new format. */
export interface FormatData {
  train: RenderedConversation[];
  val: RenderedConversation[];
}

/**
 * Fact questions (train split) answered in JSON: the SFT reply's text as {"answer": ...}. Validation
 * questions come from another seed.
 *
 *   jsonFormatData(tok, makeWorld(), { examples: 2, valExamples: 1 }, 256).train.length → 2
 */
export function jsonFormatData(
  tok: ChatTokenizer, world: World, n: { examples: number; valExamples: number }, blockSize: number,
): FormatData {
  const take = (size: number, seed: number) => {
    const task = factsTask(world, { size, seed, split: 'train' });
    const examples = Array.from({ length: size }, (_, i) => {
      const ex = task.example(i);
      return {
        ...ex,
        conversation: { messages: [user(ex.question), assistant(say(formatObject({ answer: referenceAnswer(ex) })))] },
      };
    });
    return renderExamples(tok, examples, blockSize).rendered;
  };
  return { train: take(n.examples, world.config.seed + 9), val: take(n.valExamples, world.config.seed + 9009) };
}

/** One fine-tuning setting. */
export interface FineTuneSetting {
  /** The adapters' rank; undefined trains every weight. */
  rank?: number;
  /** Peak learning rate (warmup of a tenth of the steps, cosine to a tenth of it). */
  lr: number;
  steps: number;
  batchSize: number;
  seed: number;
  /** Adapted weights (default attention's input and output projections and the MLP's). */
  targets?: LoraTarget[];
}

/** What a run reports. */
export interface FineTuneResult {
  rank?: number;
  lr: number;
  /** Masked loss on the held-out conversations before and after. */
  valLossBefore: number;
  valLoss: number;
  trainable: number;
  /** trainable / the model's parameter count. */
  fraction: number;
  /** AdamW's two moments in bytes. */
  adamwBytes: number;
  msPerStep: number;
}

/** Mean masked loss over conversations, in batches. */
export function formatLoss(
  model: GPT, tok: ChatTokenizer, rows: readonly RenderedConversation[], batchSize: number,
): number {
  const batches = Math.ceil(rows.length / batchSize);
  return meanLoss(batches,
    (i) => sftLoss(model, sftBatch(tok, rows.slice(i * batchSize, (i + 1) * batchSize), model.config.blockSize)));
}

/** A trainable copy of a model's weights (full fine-tuning never touches the original). */
export function copyModel(base: GPT): GPT {
  const byName = new Map<string, tf.Variable>();
  for (const [name, v] of base.params.byName) byName.set(name, tf.variable(v, true, undefined, 'float32'));
  return new GPT(base.config, groupParams(base.config, byName));
}

export const DEFAULT_LORA_TARGETS: LoraTarget[] = ['attn', 'attnProj', 'fc', 'mlpProj'];

/**
 * Trains one setting from `base` and measures it; the base is left as it was (frozen if LoRA ran).
 * With keep, the adapters are returned (the caller disposes them), else freed.
 */
export function fineTuneRun(
  base: GPT, tok: ChatTokenizer, data: FormatData, s: FineTuneSetting, keep = false,
): FineTuneResult & { adapters?: LoraAdapters } {
  assert(s.steps > 0 && s.batchSize > 0 && s.lr > 0,
    () => `steps (${s.steps}), batchSize (${s.batchSize}) and lr (${s.lr}) must be positive`);
  const targets = s.targets ?? DEFAULT_LORA_TARGETS;
  const adapters = s.rank === undefined
    ? undefined
    : createAdapters(base.config, { rank: s.rank, alpha: 2 * s.rank, targets, seed: s.seed });
  const model = adapters === undefined ? copyModel(base) : withAdapters(base, adapters);
  const params = adapters === undefined ? model.params.byName : adapters.byName;
  const opt = new AdamW(params);
  try {
    const valLossBefore = formatLoss(model, tok, data.val, s.batchSize);
    const schedule = {
      maxLr: s.lr, minLr: s.lr / 10, warmupSteps: Math.max(1, Math.floor(s.steps / 10)), decaySteps: s.steps,
    };
    const started = performance.now();
    for (let step = 0; step < s.steps; step++) {
      const batch = sftBatch(tok, batchIndices(data.train.length, s.batchSize, s.seed, step).map((i) => data.train[i]),
        model.config.blockSize);
      const { loss, gradNorm } = optimizerStep(params, opt, [() => sftLoss(model, batch)],
        { lr: learningRate(step, schedule), gradClip: 1 });
      tf.dispose([loss, gradNorm]);
    }
    const msPerStep = (performance.now() - started) / s.steps;
    const valLoss = formatLoss(model, tok, data.val, s.batchSize);
    const counts = trainableCounts(base.config, s.rank === undefined ? undefined : { rank: s.rank, targets });
    return {
      rank: s.rank, lr: s.lr, valLossBefore, valLoss, trainable: counts.trainable, fraction: counts.fraction,
      adamwBytes: counts.adamwBytes, msPerStep, adapters: keep ? adapters : undefined,
    };
  } finally {
    opt.dispose();
    if (adapters === undefined) model.dispose();
    else if (!keep) disposeAdapters(adapters);
  }
}
