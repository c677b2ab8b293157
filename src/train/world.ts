// Pretraining on the task world: the base model that SFT, the reward model and RLHF start from.
//
// Notebook 03 pretrains on Tiny Shakespeare; the stages after it need a model that knows the task
// world instead (its towns, people and animals, and worked arithmetic), read through the chat
// tokenizer, so the same ids carry over to conversations. The recipe is the same: documents joined
// with <|endoftext|> into one stream, random B x T windows, the Trainer.
//
//   const run = await pretrainWorld({ model: { nLayer: 4, nEmbd: 128, blockSize: 128 }, steps: 600, out: 'runs/full/base' });
//   run.model → a GPT that completes 'Dusem is in the' with ' north.'
//
// A directory holding a finished run (state.extra.done) is not trained again; an unfinished one
// resumes exactly. Left out: the choice of sizes per profile (src/sft/stages.ts, ensureBase).

import { assert } from '../util/assert';
import { CharTokenizer, charTokenizer } from '../data/char-tokenizer';
import { packDocuments, splitStream } from '../data/stream';
import { CorpusConfig, corpusTexts, pretrainingCorpus } from '../data/world/documents';
import { World } from '../data/world/world';
import { GPT, GPTConfig, makeConfig, PresetName } from '../model';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, CheckpointState, hasCheckpoint, loadCheckpoint, modelFromCheckpoint } from './checkpoint';
import { EvalInfo, makeTrainConfig, StepInfo, TrainConfig, Trainer, TrainData } from './trainer';

/** The data name written into checkpoints of models trained on makeWorld()'s 'small' preset. */
export const WORLD_DATA = 'world-small';

/**
 * The world's pretraining corpus as chat-tokenizer ids, each document followed by <|endoftext|>,
 * the first trainFraction of the documents for training.
 *
 *   worldCorpusData(makeWorld(), charTokenizer(), { size: 2000 }).train.tokens.length → about 120,000
 */
export function worldCorpusData(world: World, tok: CharTokenizer, corpus: Partial<CorpusConfig> = {}, trainFraction = 0.9): TrainData {
  const stream = packDocuments(corpusTexts(pretrainingCorpus(world, corpus)), tok.encode, {
    eotId: tok.special('<|endoftext|>'), vocabSize: tok.vocabSize,
  });
  return splitStream(stream, trainFraction);
}

/** What pretrainWorld takes. */
export interface WorldPretrainOptions {
  world: World;
  /** The preset the model starts from (default 'baby'); `model` overrides its fields. */
  preset?: PresetName;
  /** Overrides of the preset (vocabSize is the chat tokenizer's and cannot be changed). */
  model?: Partial<Omit<GPTConfig, 'vocabSize'>>;
  /** Training settings (maxSteps, batchSize, schedule, ...). */
  train?: Partial<TrainConfig>;
  /** The corpus (size, arithmetic fraction, ...). */
  corpus?: Partial<CorpusConfig>;
  /** Checkpoint directory: a finished run there is loaded, an unfinished one resumed. */
  out?: string;
  /** Train from scratch even if `out` holds a checkpoint. */
  force?: boolean;
  onStart?: (info: { model: GPT; trainer?: Trainer; resumedFrom: number }) => void;
  onStep?: (s: StepInfo) => void;
  onEval?: (e: EvalInfo) => void;
}

/** A finished (or loaded) base model. */
export interface WorldPretrainRun {
  model: GPT;
  tok: CharTokenizer;
  /** The checkpoint's state (config, step, metrics, extra.done). */
  state: CheckpointState;
  /** True when a finished checkpoint was loaded and nothing was trained. */
  loaded: boolean;
  /** Wall-clock seconds spent training in this call. */
  seconds: number;
}

/**
 * Pretrains (or loads, or resumes) a char-level GPT on the world's corpus. The caller owns
 * run.model (dispose it when done).
 */
export async function pretrainWorld(opts: WorldPretrainOptions): Promise<WorldPretrainRun> {
  const tok = charTokenizer();
  const extra = { tokenizer: 'chat-char' as const, stage: 'base' as const, data: WORLD_DATA };
  const start = performance.now();
  if (opts.out !== undefined && !opts.force && hasCheckpoint(opts.out)) {
    const ckpt = loadCheckpoint(opts.out);
    assert(ckpt.state.config.vocabSize === tok.vocabSize && ckpt.state.tokenizer === 'chat-char',
      () => `${opts.out} holds a checkpoint of another tokenizer (vocab ${ckpt.state.config.vocabSize}, tokenizer ${ckpt.state.tokenizer ?? 'none'}); use another directory or force a new run`);
    if (ckpt.state.extra?.done === true) {
      const model = modelFromCheckpoint(ckpt);
      opts.onStart?.({ model, resumedFrom: ckpt.state.step });
      return { model, tok, state: ckpt.state, loaded: true, seconds: 0 };
    }
  }
  const config = makeConfig(opts.preset ?? 'baby', { ...opts.model, vocabSize: tok.vocabSize });
  const data = worldCorpusData(opts.world, tok, opts.corpus);
  let model: GPT;
  let trainer: Trainer;
  let resumedFrom = 0;
  if (opts.out !== undefined && !opts.force && hasCheckpoint(opts.out)) {
    const ckpt = loadCheckpoint(opts.out);
    model = modelFromCheckpoint(ckpt);
    trainer = new Trainer(model, data, makeTrainConfig(ckpt.state.train as TrainConfig));
    trainer.restore(ckpt);
    resumedFrom = ckpt.state.step;
  } else {
    model = new GPT(config);
    trainer = new Trainer(model, data, makeTrainConfig(opts.train));
  }
  opts.onStart?.({ model, trainer, resumedFrom });
  const corpus = opts.corpus ?? {};
  const last = await trainer.run({ onStep: opts.onStep, onEval: opts.onEval, checkpointDir: opts.out, checkpointExtra: { ...extra, extra: { corpus } } });
  const seconds = (performance.now() - start) / 1000;
  const state: CheckpointState = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, step: trainer.step, config: model.config, train: trainer.config, seed: trainer.config.seed,
    metrics: { trainLoss: last.trainLoss, valLoss: last.valLoss }, ...extra, extra: { done: true, corpus, seconds },
  };
  if (opts.out !== undefined) trainer.save(opts.out, { ...extra, extra: state.extra }, state.metrics);
  trainer.optimizer.dispose();
  return { model, tok, state, loaded: false, seconds };
}
