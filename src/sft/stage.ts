// Lesson 6 of SFT: the stage, a base model in and the fine-tuned model out.
//
//   const run = await fineTune(base, world, settings, { dir: 'runs/full/sft', record }, { from: baseDir });
//   run.model → the SFT model;  run.state.extra → { done: true, from, seconds, examples }
//
// The SFT data is facts of the train split and worked sums, two sums for every fact (data.ts,
// sftMixture); the base model's corpus has sums too, in 35% of the documents after the first pass
// over the entities. src/pipeline decides whether to train at all, loads the base model, and passes
// `resume` when an unfinished SFT checkpoint is there. Left out: the sizes of each profile
// (src/pipeline/settings.ts).

import { ChatTokenizer } from '../data/char-tokenizer';
import { World } from '../data/world/world';
import { ChatModel } from '../sample/chat';
import { Checkpoint } from '../train/checkpoint';
import { StageSave, TrainedModel, TrainHooks } from '../train/world';
import { MixtureConfig, renderExamples, sftMixture } from './data';
import { makeSftTrainConfig, SftTrainConfig, SftTrainer } from './train';

/** SFT's data and training. */
export interface SftSettings {
  /** Training conversations drawn from the mixture. */
  examples: number;
  /** Validation conversations (another seed). */
  valExamples: number;
  /** The mixture's weights and the digits of its sums. */
  mixture: Pick<MixtureConfig, 'weights' | 'digits'>;
  train: Partial<SftTrainConfig>;
}

/** What sft.extra records in a finished checkpoint. */
export interface SftExtra {
  done: boolean;
  /** The base checkpoint (step directory) it started from. */
  from: string;
  seconds?: number;
  /** Training conversations that fit the context. */
  examples?: number;
}

/**
 * The SFT data: rendered training and validation conversations from the mixture.
 *
 *   sftData(tok, 256, makeWorld(), settings).train.rendered.length → settings.examples (those that fit)
 */
export function sftData(
  tok: ChatTokenizer, blockSize: number, world: World, s: SftSettings,
): { train: ReturnType<typeof renderExamples>; val: ReturnType<typeof renderExamples> } {
  const take = (size: number, seed: number) => {
    const task = sftMixture(world, { size, seed, ...s.mixture });
    return renderExamples(tok, Array.from({ length: size }, (_, i) => task.example(i)), blockSize);
  };
  return { train: take(s.examples, world.config.seed), val: take(s.valExamples, world.config.seed + 1000) };
}

/** The questions SFT trains on, for leaving them out of evaluation. */
export function sftQuestions(world: World, s: SftSettings): Set<string> {
  const task = sftMixture(world, { size: s.examples, seed: world.config.seed, ...s.mixture });
  return new Set(Array.from({ length: s.examples }, (_, i) => task.example(i).question));
}

/**
 * Fine-tunes `base.model` in place on the world's conversations (or continues `resume`, an unfinished
 * SFT checkpoint, whose weights replace the base's), checkpointing into save.dir and saving the
 * finished model there once.
 */
export async function fineTune(base: ChatModel, world: World, settings: SftSettings, save: StageSave,
  opts: TrainHooks & { resume?: Checkpoint; from: string }): Promise<TrainedModel> {
  const data = sftData(base.tok, base.model.config.blockSize, world, settings);
  const config = makeSftTrainConfig(
    opts.resume !== undefined ? opts.resume.state.train as SftTrainConfig : settings.train);
  const trainer = new SftTrainer(base.model, base.tok, { train: data.train.rendered, val: data.val.rendered }, config);
  if (opts.resume !== undefined) trainer.restore(opts.resume);
  opts.onStart?.({ model: base.model, steps: config.maxSteps, resumedFrom: trainer.step });
  const record = { ...save.record, stage: 'sft' as const };
  const start = performance.now();
  const last = await trainer.run({
    onStep: opts.onStep, onEval: opts.onEval, checkpointDir: save.dir, saveAtEnd: false,
    checkpointExtra: { ...record, extra: { from: opts.from, done: false } satisfies SftExtra },
  });
  const extra: SftExtra = {
    from: opts.from, done: true, seconds: (performance.now() - start) / 1000, examples: data.train.rendered.length,
  };
  const { state } = trainer.save(
    save.dir, { ...record, extra: { ...extra } }, { trainLoss: last.trainLoss, valLoss: last.valLoss });
  trainer.optimizer.dispose();
  return { model: base.model, state };
}
