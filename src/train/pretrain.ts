// Pretraining as one call: data, model, trainer and checkpoints wired together, for the CLI
// (`gpt-lab pretrain`), the benchmark and the pretraining notebook.
//
//   const run = await pretrain({ preset: 'baby', steps: 200, out: 'out/baby', onStep });
//   run.last.valLoss → 2.3...
//
// The data is char-level Tiny Shakespeare (nanoGPT's shakespeare_char): 65 characters, the first 90%
// for training. A directory that already holds a checkpoint resumes from it, with the training
// settings saved there (only the number of steps may change; steps past the saved schedule's decay
// run at its minLr), so the run continues exactly.
// Left out: BPE-tokenized data (a later notebook), fine-tuning from a checkpoint with new settings.

import { assert } from '../util/assert';
import { CharVocab, charVocab, loadShakespeare } from '../data/shakespeare';
import { FetchOptions } from '../data/download';
import { splitStream, streamFromIds } from '../data/stream';
import { GPT, makeConfig, PresetName } from '../model';
import { hasCheckpoint, loadCheckpoint, modelFromCheckpoint } from './checkpoint';
import { EvalInfo, makeTrainConfig, StepInfo, TrainConfig, Trainer, TrainData } from './trainer';

/** The datasets pretrain knows. */
export const PRETRAIN_DATASETS = ['shakespeare-char'] as const;
export type PretrainDataset = (typeof PRETRAIN_DATASETS)[number];

/** Training settings per model preset (nanoGPT's, for baby its CPU overrides). */
export const TRAIN_PRESETS: Record<PresetName, Partial<TrainConfig>> = {
  tiny: {
    batchSize: 4, maxSteps: 20, evalEvery: 10, evalIters: 2, logEvery: 1,
    schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 2, decaySteps: 20 },
  },
  baby: {
    batchSize: 12, maxSteps: 2000, evalEvery: 250, evalIters: 20, logEvery: 10,
    schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 2000 },
  },
  'shakespeare-char': {
    batchSize: 64, maxSteps: 5000, evalEvery: 250, evalIters: 200, logEvery: 10,
    schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 100, decaySteps: 5000 },
  },
};

/** What pretrain takes. */
export interface PretrainOptions {
  /** The model preset, and with it the default training settings. */
  preset: PresetName;
  /** The dataset (default 'shakespeare-char'). */
  data?: PretrainDataset;
  /** Total optimizer steps; on a fresh run the cosine decays over them. Default: the preset's. */
  steps?: number;
  /** Overrides of the preset's training settings (fresh runs only). */
  train?: Partial<TrainConfig>;
  /** Checkpoint directory: resumes from it when it holds a checkpoint, saves to it at each eval. */
  out?: string;
  /** Use this text instead of downloading Tiny Shakespeare (tests). */
  text?: string;
  /** Where to find Tiny Shakespeare. */
  fetch?: FetchOptions;
  /** Called once the model is built (or restored), before the first step. */
  onStart?: (run: Omit<PretrainRun, 'last'>) => void;
  onStep?: (s: StepInfo) => void;
  onEval?: (e: EvalInfo) => void;
}

/** A finished (or stopped) pretraining run. */
export interface PretrainRun {
  model: GPT;
  trainer: Trainer;
  vocab: CharVocab;
  /** The step the run resumed from (0 for a fresh run). */
  resumedFrom: number;
  /** The last evaluation. */
  last: EvalInfo;
}

/** The training settings of a fresh run: the preset's, then `steps` (with the decay over them), then overrides. */
export function trainConfigFor(preset: PresetName, steps?: number, overrides: Partial<TrainConfig> = {}): TrainConfig {
  const base = TRAIN_PRESETS[preset];
  const schedule = { ...base.schedule! };
  if (steps !== undefined) {
    schedule.decaySteps = steps;
    schedule.warmupSteps = Math.min(schedule.warmupSteps, Math.floor(steps / 10));
  }
  return makeTrainConfig({ ...base, schedule, ...(steps !== undefined ? { maxSteps: steps } : {}), ...overrides });
}

/** Tiny Shakespeare as char ids, split 90/10, with its vocabulary. */
export async function shakespeareCharData(opts: Pick<PretrainOptions, 'text' | 'fetch'> = {}): Promise<{ vocab: CharVocab; data: TrainData }> {
  const text = opts.text ?? (await loadShakespeare(opts.fetch)).text;
  const vocab = charVocab(text);
  return { vocab, data: splitStream(streamFromIds(vocab.encode(text), vocab.vocabSize), 0.9) };
}

/**
 * Trains (or resumes) a char-level model on Tiny Shakespeare. The caller owns run.model and
 * run.trainer.optimizer (dispose them when done).
 */
export async function pretrain(opts: PretrainOptions): Promise<PretrainRun> {
  assert((opts.data ?? 'shakespeare-char') === 'shakespeare-char', () => `data '${opts.data}' is not known; use one of: ${PRETRAIN_DATASETS.join(', ')}`);
  const { vocab, data } = await shakespeareCharData(opts);
  let model: GPT;
  let trainer: Trainer;
  let resumedFrom = 0;
  if (opts.out !== undefined && hasCheckpoint(opts.out)) {
    const ckpt = loadCheckpoint(opts.out);
    const saved = ckpt.state.vocab?.chars.join('');
    assert(saved === undefined || saved === vocab.chars.join(''), () => `the checkpoint in ${opts.out} was trained on another vocabulary; use a new --out directory`);
    const want = makeConfig(opts.preset, { vocabSize: vocab.vocabSize });
    const have = ckpt.state.config;
    assert((['nLayer', 'nHead', 'nEmbd', 'blockSize', 'dropout'] as const).every((k) => want[k] === have[k]),
      () => `${opts.out} holds a checkpoint of another shape (nLayer ${have.nLayer}, nHead ${have.nHead}, nEmbd ${have.nEmbd}, blockSize ${have.blockSize}, dropout ${have.dropout}) than preset '${opts.preset}'; use a new --out directory or the matching preset`);
    const config = makeTrainConfig({ ...(ckpt.state.train as TrainConfig), ...(opts.steps !== undefined ? { maxSteps: opts.steps } : {}) });
    model = modelFromCheckpoint(ckpt);
    trainer = new Trainer(model, data, config);
    trainer.restore(ckpt);
    resumedFrom = ckpt.state.step;
  } else {
    model = new GPT(makeConfig(opts.preset, { vocabSize: vocab.vocabSize }));
    trainer = new Trainer(model, data, trainConfigFor(opts.preset, opts.steps, opts.train));
  }
  opts.onStart?.({ model, trainer, vocab, resumedFrom });
  const last = trainer.step >= trainer.config.maxSteps && resumedFrom > 0
    ? trainer.evaluate()
    : await trainer.run({ onStep: opts.onStep, onEval: opts.onEval, checkpointDir: opts.out, checkpointExtra: { vocab: { chars: [...vocab.chars] } } });
  return { model, trainer, vocab, resumedFrom, last };
}
