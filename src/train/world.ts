// Pretraining on the task world: the base model that SFT, the reward model and RLHF start from.
//
// Notebook 03 pretrains on Tiny Shakespeare; the stages after it need a model that knows the task
// world instead (its towns, people and animals, and worked arithmetic), read through the chat
// tokenizer, so the same ids carry over to conversations. The recipe is the same: documents joined
// with <|endoftext|> into one stream, random B x T windows, the Trainer.
//
//   const run = await pretrainWorld(world, tok, baseSettings, { dir: 'runs/full/base', record });
//   run.model → a GPT that completes 'Dusem is in the' with ' north.'
//
// This is one stage of the pipeline: a tokenizer in, a model out. Whether to train at all, and from
// which checkpoint to resume, is src/pipeline's business (it passes `resume`). Left out: the sizes of
// each profile (src/pipeline/settings.ts).

import { ChatTokenizer } from '../data/char-tokenizer';
import { packDocuments, splitStream } from '../data/stream';
import { CorpusConfig, corpusTexts, pretrainingCorpus } from '../data/world/documents';
import { World } from '../data/world/world';
import { GPT, GPTConfig, makeConfig, PresetName } from '../model';
import { Checkpoint, CheckpointExtra, CheckpointState, modelFromCheckpoint } from './checkpoint';
import { EvalInfo, makeTrainConfig, StepInfo, TrainConfig, Trainer, TrainData } from './trainer';

/** The data name written into checkpoints of models trained on makeWorld()'s 'small' preset. */
export const WORLD_DATA = 'world-small';

/** The base model's shape, corpus and training. */
export interface BaseSettings {
  /** The preset the model starts from; `model` overrides its fields. */
  preset: PresetName;
  /** Overrides of the preset (vocabSize is the tokenizer's and cannot be changed). */
  model: Partial<Omit<GPTConfig, 'vocabSize'>>;
  /** The corpus (size, arithmetic fraction, ...). */
  corpus: Partial<CorpusConfig>;
  /** Training settings (maxSteps, batchSize, schedule, seed, ...). */
  train: Partial<TrainConfig>;
}

/** What base.extra records in a finished checkpoint. */
export interface BaseExtra {
  done: boolean;
  corpus: Partial<CorpusConfig>;
  /** Wall-clock seconds of the training that finished it. */
  seconds?: number;
}

/**
 * The world's pretraining corpus as chat-tokenizer ids, each document followed by <|endoftext|>,
 * the first trainFraction of the documents for training.
 *
 *   worldCorpusData(makeWorld(), tok, { size: 2000 }).train.tokens.length → about 60,000 (BPE, vocab 512)
 */
export function worldCorpusData(
  world: World, tok: ChatTokenizer, corpus: Partial<CorpusConfig> = {}, trainFraction = 0.9,
): TrainData {
  const stream = packDocuments(corpusTexts(pretrainingCorpus(world, corpus)), tok.encode, {
    eotId: tok.special('<|endoftext|>'), vocabSize: tok.vocabSize,
  });
  return splitStream(stream, trainFraction);
}

/** Progress callbacks of a training stage. */
export interface TrainHooks {
  /** Called once before the first step, with the step it starts at. */
  onStart?: (info: { model: GPT; steps: number; resumedFrom: number }) => void;
  onStep?: (s: StepInfo) => void;
  onEval?: (e: EvalInfo) => void;
}

/**
 * Where a stage saves, and what every checkpoint it writes carries (tokenizer kind and file, data name,
 * and the fingerprint of the settings it trains with, src/pipeline/fingerprint.ts).
 */
export interface StageSave {
  dir: string;
  record: Omit<CheckpointExtra, 'stage' | 'extra'>;
}

/** A trained stage model and the state its final checkpoint holds (built here, not read back). */
export interface TrainedModel {
  model: GPT;
  state: CheckpointState;
}

/**
 * Pretrains a GPT on the world's corpus through `tok` (from scratch, or continuing `resume`, an
 * unfinished checkpoint of this stage), checkpointing into save.dir and saving the finished model
 * there once. The caller owns the returned model.
 */
export async function pretrainWorld(world: World, tok: ChatTokenizer, settings: BaseSettings, save: StageSave,
  opts: TrainHooks & { resume?: Checkpoint } = {}): Promise<TrainedModel> {
  const data = worldCorpusData(world, tok, settings.corpus);
  let model: GPT;
  let trainer: Trainer;
  if (opts.resume !== undefined) {
    model = modelFromCheckpoint(opts.resume);
    trainer = new Trainer(model, data, makeTrainConfig(opts.resume.state.train as TrainConfig));
    trainer.restore(opts.resume);
  } else {
    model = new GPT(makeConfig(settings.preset, { ...settings.model, vocabSize: tok.vocabSize }));
    trainer = new Trainer(model, data, makeTrainConfig(settings.train));
  }
  opts.onStart?.({ model, steps: trainer.config.maxSteps, resumedFrom: trainer.step });
  const record = { ...save.record, stage: 'base' as const };
  const start = performance.now();
  const last = await trainer.run({
    onStep: opts.onStep, onEval: opts.onEval, checkpointDir: save.dir, saveAtEnd: false,
    checkpointExtra: { ...record, extra: { done: false, corpus: settings.corpus } satisfies BaseExtra },
  });
  const extra: BaseExtra = { done: true, corpus: settings.corpus, seconds: (performance.now() - start) / 1000 };
  const { state } = trainer.save(save.dir, { ...record, extra: { ...extra } },
    { trainLoss: last.trainLoss, valLoss: last.valLoss });
  trainer.optimizer.dispose();
  return { model, state };
}
