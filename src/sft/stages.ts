// Lesson 6 of SFT: the stages as one call each, so notebooks and commands pick up where the last
// one stopped.
//
//   const base = await ensureBase();   // runs/<profile>/base: pretrained on the world's documents
//   const sft = await ensureSft();     // runs/<profile>/sft: fine-tuned from it on conversations
//
// Each looks in its stage directory first: a finished checkpoint (state.extra.done) is loaded, an
// unfinished one resumed, and only an empty directory trains from the start, so running notebook 04
// twice (or 05 after 04) trains nothing again. The sizes come from the profile: 'ci' trains a tiny
// model in seconds, 'full' the baby-sized model the notebooks are written for.
// The SFT data is facts of the train split and 2-digit worked sums, two sums for every fact (data.ts,
// sftMixture); the base model's corpus has 2-digit sums too, in 35% of the documents after the first
// pass over the entities.

import { assert } from '../util/assert';
import { CharTokenizer, charTokenizer } from '../data/char-tokenizer';
import { QAExample } from '../data/world/task';
import { makeWorld, World } from '../data/world/world';
import { CorpusConfig } from '../data/world/documents';
import { GPT, GPTConfig, PresetName } from '../model';
import { Profile, profile } from '../profile';
import { stageDir } from '../stages';
import { CheckpointState, hasCheckpoint, loadCheckpoint, modelFromCheckpoint, resolveCheckpointDir } from '../train/checkpoint';
import { EvalInfo, StepInfo, TrainConfig } from '../train/trainer';
import { pretrainWorld, WORLD_DATA } from '../train/world';
import { withSteps } from '../train/schedule';
import { MixtureConfig, renderExamples, sftMixture } from './data';
import { makeSftTrainConfig, SftTrainConfig, SftTrainer } from './train';

/** A stage's model, ready to use. The caller owns model (dispose it when done). */
export interface StageModel {
  model: GPT;
  tok: CharTokenizer;
  /** The stage directory (holding latest.json). */
  dir: string;
  state: CheckpointState;
}

/** What every ensure* takes. */
export interface StageOptions {
  /** Which sizes (default: GPTLAB_PROFILE). */
  profile?: Profile;
  /** Where the checkpoint lives (default stageDir(stage, profile)). */
  dir?: string;
  /** The checkpoint to start from (SFT: a base model; default: ensureBase of the same profile). */
  from?: string;
  /** Train again even if dir holds a finished checkpoint. */
  force?: boolean;
  /** Override the profile's number of steps (fresh runs only). */
  steps?: number;
  onStep?: (s: StepInfo) => void;
  onEval?: (e: EvalInfo) => void;
  /** Called once before training starts (not when a finished checkpoint is loaded). */
  onStart?: (info: { stage: 'base' | 'sft'; dir: string; steps: number; resumedFrom: number; model: GPT }) => void;
  /** One-line messages about what is loaded or trained (default: none). */
  log?: (line: string) => void;
}

/** The base model's shape, corpus and training, per profile. */
export interface BaseSettings {
  preset: PresetName;
  model: Partial<Omit<GPTConfig, 'vocabSize'>>;
  corpus: Partial<CorpusConfig>;
  train: Partial<TrainConfig>;
}

/** SFT's data and training, per profile. */
export interface SftSettings {
  /** Training conversations drawn from the mixture. */
  examples: number;
  /** Validation conversations (another seed). */
  valExamples: number;
  /** The mixture's weights and the digits of its sums. */
  mixture: Pick<MixtureConfig, 'weights' | 'digits'>;
  train: Partial<SftTrainConfig>;
}

const BASE: Record<Profile, BaseSettings> = {
  ci: {
    preset: 'tiny',
    model: { nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 128 },
    corpus: { size: 1000, arithmeticDigits: 2, arithmetic: 0.35 },
    train: { batchSize: 8, maxSteps: 60, evalEvery: 0, evalIters: 2, logEvery: 5, schedule: { maxLr: 3e-3, minLr: 3e-4, warmupSteps: 5, decaySteps: 60 } },
  },
  full: {
    preset: 'baby',
    model: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 128 },
    corpus: { size: 8000, arithmeticDigits: 2, arithmetic: 0.35 },
    train: { batchSize: 12, maxSteps: 800, evalEvery: 100, evalIters: 10, logEvery: 10, schedule: { maxLr: 2e-3, minLr: 2e-4, warmupSteps: 50, decaySteps: 800 } },
  },
};

const SFT: Record<Profile, SftSettings> = {
  ci: {
    examples: 400, valExamples: 32, mixture: { weights: { facts: 1, arithmetic: 2 }, digits: 2 },
    train: { batchSize: 8, maxSteps: 30, evalEvery: 0, evalBatches: 2, logEvery: 5, schedule: { maxLr: 2e-3, minLr: 2e-4, warmupSteps: 3, decaySteps: 30 } },
  },
  full: {
    examples: 4000, valExamples: 64, mixture: { weights: { facts: 1, arithmetic: 2 }, digits: 2 },
    train: { batchSize: 16, maxSteps: 300, evalEvery: 100, evalBatches: 4, logEvery: 10, schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 20, decaySteps: 300 } },
  },
};

/** The base model's settings for a profile (default: the active one). */
export function baseSettings(prof: Profile = profile()): BaseSettings {
  return BASE[prof];
}

/** SFT's settings for a profile (default: the active one). */
export function sftSettings(prof: Profile = profile()): SftSettings {
  return SFT[prof];
}

/** The world every stage uses: makeWorld()'s 'small' preset. */
export function stageWorld(): World {
  return makeWorld();
}

/**
 * Loads any stage's checkpoint written with the chat tokenizer.
 *
 *   loadStageModel('runs/full/sft') → { model, tok, dir: 'runs/full/sft', state: { stage: 'sft', ... } }
 */
export function loadStageModel(dir: string): StageModel {
  const ckpt = loadCheckpoint(dir);
  assert(ckpt.state.tokenizer === 'chat-char', () => `${ckpt.dir} was not written with the chat tokenizer (tokenizer: ${ckpt.state.tokenizer ?? 'none'}, e.g. a Tiny Shakespeare model); point at a base or sft stage directory`);
  const tok = charTokenizer();
  assert(ckpt.state.config.vocabSize === tok.vocabSize, () => `${ckpt.dir} has vocabSize ${ckpt.state.config.vocabSize}, the chat tokenizer ${tok.vocabSize}; it was written by another version of gpt-lab`);
  return { model: modelFromCheckpoint(ckpt), tok, dir, state: ckpt.state };
}

/** Whether dir holds a finished checkpoint (state.extra.done === true). */
export function isFinished(dir: string): boolean {
  if (!hasCheckpoint(dir)) return false;
  try {
    return loadCheckpoint(dir).state.extra?.done === true;
  } catch {
    return false;
  }
}

/**
 * The base model: a char-level GPT pretrained on the world's documents (loaded when finished).
 *
 *   (await ensureBase({ profile: 'ci' })).model.config → { nLayer: 2, nEmbd: 32, blockSize: 128, vocabSize: 107, ... }
 */
export async function ensureBase(opts: StageOptions = {}): Promise<StageModel> {
  const prof = opts.profile ?? profile();
  const dir = opts.dir ?? stageDir('base', prof);
  const s = baseSettings(prof);
  const train = withSteps(s.train, opts.steps);
  const finished = !opts.force && isFinished(dir);
  opts.log?.(finished ? `base: loading the finished model in ${dir}` : `base: pretraining on the world's documents (${train.maxSteps} steps) into ${dir}`);
  const run = await pretrainWorld({
    world: stageWorld(), preset: s.preset, model: s.model, corpus: s.corpus, train, out: dir, force: opts.force,
    onStep: opts.onStep, onEval: opts.onEval,
    onStart: ({ model, trainer, resumedFrom }) => {
      if (trainer !== undefined) opts.onStart?.({ stage: 'base', dir, steps: trainer.config.maxSteps, resumedFrom, model });
    },
  });
  if (!run.loaded) opts.log?.(`base: trained in ${run.seconds.toFixed(0)} s, val loss ${run.state.metrics?.valLoss?.toFixed(3)}`);
  return { model: run.model, tok: run.tok, dir, state: run.state };
}

/**
 * The SFT data of a profile: rendered training and validation conversations from the mixture,
 * and the training examples themselves (so evaluation can leave them out).
 */
export function sftData(tok: CharTokenizer, blockSize: number, prof: Profile = profile()): { train: ReturnType<typeof renderExamples>; val: ReturnType<typeof renderExamples> } {
  const s = sftSettings(prof);
  const world = stageWorld();
  const take = (size: number, seed: number) => {
    const task = sftMixture(world, { size, seed, ...s.mixture });
    return renderExamples(tok, Array.from({ length: size }, (_, i) => task.example(i)), blockSize);
  };
  return { train: take(s.examples, world.config.seed), val: take(s.valExamples, world.config.seed + 1000) };
}

/** The questions SFT trained on, for leaving them out of evaluation. */
export function sftQuestions(prof: Profile = profile()): Set<string> {
  const s = sftSettings(prof);
  const task = sftMixture(stageWorld(), { size: s.examples, seed: stageWorld().config.seed, ...s.mixture });
  return new Set(Array.from({ length: s.examples }, (_, i) => task.example(i).question));
}

/**
 * The SFT model: the base fine-tuned on the world's conversations (loaded when finished).
 *
 *   (await ensureSft({ profile: 'ci' })).state.stage → 'sft'
 */
export async function ensureSft(opts: StageOptions = {}): Promise<StageModel> {
  const prof = opts.profile ?? profile();
  const dir = opts.dir ?? stageDir('sft', prof);
  if (!opts.force && isFinished(dir)) {
    opts.log?.(`sft: loading the finished model in ${dir}`);
    return loadStageModel(dir);
  }
  const resuming = !opts.force && hasCheckpoint(dir);
  let base: StageModel;
  if (resuming) {
    base = loadStageModel(dir);
  } else if (opts.from !== undefined) {
    base = loadStageModel(opts.from);
  } else {
    // the base trains first if missing; onStart says which stage the callbacks that follow belong to
    base = await ensureBase({ profile: prof, log: opts.log, onStart: opts.onStart, onStep: opts.onStep, onEval: opts.onEval });
  }
  const from = resuming ? (base.state.extra?.from as string | undefined) ?? dir : resolveCheckpointDir(base.dir);
  const s = sftSettings(prof);
  const data = sftData(base.tok, base.model.config.blockSize, prof);
  const config = resuming ? makeSftTrainConfig(base.state.train as SftTrainConfig) : makeSftTrainConfig(withSteps(s.train, opts.steps));
  const trainer = new SftTrainer(base.model, base.tok, { train: data.train.rendered, val: data.val.rendered }, config);
  if (resuming) trainer.restore(loadCheckpoint(dir));
  opts.log?.(`sft: ${resuming ? `resuming at step ${trainer.step}` : 'fine-tuning'} from ${from} on ${data.train.rendered.length} conversations (${config.maxSteps} steps) into ${dir}`);
  opts.onStart?.({ stage: 'sft', dir, steps: config.maxSteps, resumedFrom: trainer.step, model: base.model });
  const extra = { tokenizer: 'chat-char' as const, stage: 'sft' as const, data: WORLD_DATA };
  const start = performance.now();
  const last = await trainer.run({ onStep: opts.onStep, onEval: opts.onEval, checkpointDir: dir, checkpointExtra: { ...extra, extra: { from, done: false } } });
  const seconds = (performance.now() - start) / 1000;
  trainer.save(dir, { ...extra, extra: { from, done: true, seconds, examples: data.train.rendered.length } }, { trainLoss: last.trainLoss, valLoss: last.valLoss });
  trainer.optimizer.dispose();
  opts.log?.(`sft: trained in ${seconds.toFixed(0)} s, val loss ${last.valLoss.toFixed(3)}`);
  return { model: base.model, tok: base.tok, dir, state: loadCheckpoint(dir).state };
}

/** The examples of a task-like list, de-duplicated by question. */
export function distinctQuestions<E extends QAExample>(examples: Iterable<E>, n: number, exclude: Set<string> = new Set()): E[] {
  const seen = new Set<string>();
  const out: E[] = [];
  for (const ex of examples) {
    if (out.length >= n) break;
    if (seen.has(ex.question) || exclude.has(ex.question)) continue;
    seen.add(ex.question);
    out.push(ex);
  }
  return out;
}
