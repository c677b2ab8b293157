// Pretraining as one call: data, model, trainer and checkpoints wired together, for the CLI
// (`gpt-lab pretrain`), the benchmark and the pretraining notebook.
//
//   const run = await pretrain({ preset: 'baby', steps: 200, out: 'out/baby', onStep });
//   run.last.valLoss → 2.3...
//
// The data is char-level Tiny Shakespeare (nanoGPT's shakespeare_char): 65 characters, the first 90%
// for training. A directory that already holds a checkpoint resumes from it, with the training
// settings saved there, so the run continues exactly. Settings that do not change which batches and
// dropout masks a step draws may change on resume (the steps, the learning rate, how often to evaluate
// and log): they apply from the resumed step on, and each change is recorded in the checkpoints
// (state.extra.resumeChanges). The others (batch size, seed, ...) are refused with the fix.
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
  /** Peak learning rate, with the floor at a tenth of it (nanoGPT's min_lr); may change on resume. */
  lr?: number;
  /** Overrides of the preset's training settings; on resume only RESUMABLE_SETTINGS may differ from the saved ones. */
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
  /** Settings this resume changed (empty for a fresh run, or a resume with the saved settings). */
  changes: ResumeChange[];
  /** The last evaluation. */
  last: EvalInfo;
}

/** Training settings that may change when a run resumes: none of them changes what a step computes. */
export const RESUMABLE_SETTINGS = ['maxSteps', 'schedule', 'evalEvery', 'evalIters', 'logEvery'] as const;

/** The CLI options of settings, for messages: a refused batchSize is named 'batchSize (--batch-size)'. */
const FLAGS: Record<string, string> = { batchSize: '--batch-size', seed: '--seed' };

/**
 * A setting changed on resume, as recorded in the checkpoint (state.extra.resumeChanges):
 *   { step: 500, setting: 'schedule.maxLr', from: 0.001, to: 0.0005 }
 */
export interface ResumeChange {
  /** The step the run resumed from: the new value applies from here on. */
  step: number;
  /** The setting's path in TrainConfig, e.g. 'evalEvery' or 'schedule.maxLr'. */
  setting: string;
  from: unknown;
  to: unknown;
}

type Difference = [setting: string, from: unknown, to: unknown];

/**
 * The settings of `to` whose values differ in `from`, nested objects compared field by field:
 *
 *   diffSettings({ a: 1, s: { x: 1, y: 2 } }, { a: 2, s: { x: 1, y: 3 } }) → [['a', 1, 2], ['s.y', 2, 3]]
 */
function diffSettings(from: object, to: object, prefix = ''): Difference[] {
  const out: Difference[] = [];
  for (const [key, b] of Object.entries(to)) {
    const a = (from as Record<string, unknown>)[key];
    const nested = typeof a === 'object' && a !== null && typeof b === 'object' && b !== null;
    if (nested) out.push(...diffSettings(a, b, `${prefix}${key}.`));
    else if (a !== b) out.push([prefix + key, a, b]);
  }
  return out;
}

/**
 * The settings of a resumed run: the saved ones, then `steps` (maxSteps only: the saved decay stays),
 * `lr` (the peak, and a tenth of it as the floor) and the overrides of RESUMABLE_SETTINGS. An override
 * of any other setting that differs from the saved value is refused, naming it and the fix.
 *
 *   resumeTrainConfig(saved, 500, { lr: 5e-4 })
 *   → { config: { ...saved, schedule: { ...saved.schedule, maxLr: 5e-4, minLr: 5e-5 } },
 *       changes: [{ step: 500, setting: 'schedule.maxLr', from: 1e-3, to: 5e-4 }, { ..., setting: 'schedule.minLr' }] }
 */
export function resumeTrainConfig(
  saved: TrainConfig, step: number, opts: Pick<PretrainOptions, 'steps' | 'lr' | 'train'>, where = 'the checkpoint',
): { config: TrainConfig; changes: ResumeChange[] } {
  const wanted = opts.train ?? {};
  const resumable = (setting: string) => (RESUMABLE_SETTINGS as readonly string[]).includes(setting.split('.')[0]);
  const refused = diffSettings(saved, wanted).filter(([setting]) => !resumable(setting));
  const named = (setting: string) => setting + (FLAGS[setting] !== undefined ? ` (${FLAGS[setting]})` : '');
  const wants = refused.map(([setting, , to]) => `${named(setting)} ${JSON.stringify(to)}`).join(', ');
  const holds = refused.map(([setting, from]) => `${setting} ${JSON.stringify(from)}`).join(', ');
  assert(refused.length === 0, () => `${wants} cannot change when resuming from ${where}, which holds ${holds}: ` +
    'every step\'s batches, dropout masks or update depend on them, so the run would not continue exactly. ' +
    'Drop them to resume, or use a new output directory to start a run with them');
  const lr = opts.lr !== undefined ? { maxLr: opts.lr, minLr: opts.lr / 10 } : {};
  const steps = opts.steps !== undefined ? { maxSteps: opts.steps } : {};
  const schedule = { ...saved.schedule, ...wanted.schedule, ...lr };
  const config = makeTrainConfig({ ...saved, ...wanted, schedule, ...steps });
  const changes = diffSettings(saved, config).map(([setting, from, to]) => ({ step, setting, from, to }));
  return { config, changes };
}

/** What changed, in one line: describeChanges(changes) → 'schedule.maxLr 0.001 → 0.0005, evalEvery 250 → 100'. */
export function describeChanges(changes: ResumeChange[]): string {
  return changes.map((c) => `${c.setting} ${JSON.stringify(c.from)} → ${JSON.stringify(c.to)}`).join(', ');
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
export async function shakespeareCharData(
  opts: Pick<PretrainOptions, 'text' | 'fetch'> = {},
): Promise<{ vocab: CharVocab; data: TrainData }> {
  const text = opts.text ?? (await loadShakespeare(opts.fetch)).text;
  const vocab = charVocab(text);
  return { vocab, data: splitStream(streamFromIds(vocab.encode(text), vocab.vocabSize), 0.9) };
}

/**
 * Trains (or resumes) a char-level model on Tiny Shakespeare. The caller owns run.model and
 * run.trainer.optimizer (dispose them when done).
 */
export async function pretrain(opts: PretrainOptions): Promise<PretrainRun> {
  assert((opts.data ?? 'shakespeare-char') === 'shakespeare-char',
    () => `data '${opts.data}' is not known; use one of: ${PRETRAIN_DATASETS.join(', ')}`);
  const { vocab, data } = await shakespeareCharData(opts);
  let model: GPT;
  let trainer: Trainer;
  let resumedFrom = 0;
  let changes: ResumeChange[] = [];
  let history: ResumeChange[] = [];
  if (opts.out !== undefined && hasCheckpoint(opts.out)) {
    const ckpt = loadCheckpoint(opts.out);
    const saved = ckpt.state.vocab?.chars.join('');
    assert(saved === undefined || saved === vocab.chars.join(''),
      () => `the checkpoint in ${opts.out} was trained on another vocabulary; use a new --out directory`);
    const want = makeConfig(opts.preset, { vocabSize: vocab.vocabSize });
    const have = ckpt.state.config;
    assert((['nLayer', 'nHead', 'nEmbd', 'blockSize', 'dropout'] as const).every((k) => want[k] === have[k]),
      () => `${opts.out} holds a checkpoint of another shape (nLayer ${have.nLayer}, nHead ${have.nHead}, ` +
        `nEmbd ${have.nEmbd}, blockSize ${have.blockSize}, dropout ${have.dropout}) than preset '${opts.preset}'; ` +
        `use a new --out directory or the matching preset`);
    resumedFrom = ckpt.state.step;
    let config: TrainConfig;
    ({ config, changes } = resumeTrainConfig(ckpt.state.train as TrainConfig, resumedFrom, opts, opts.out));
    history = [...((ckpt.state.extra?.resumeChanges as ResumeChange[] | undefined) ?? []), ...changes];
    model = modelFromCheckpoint(ckpt);
    trainer = new Trainer(model, data, config);
    trainer.restore(ckpt);
  } else {
    model = new GPT(makeConfig(opts.preset, { vocabSize: vocab.vocabSize }));
    // --lr sets the peak, and the floor at a tenth of it, as nanoGPT's min_lr = learning_rate / 10.
    const schedule = trainConfigFor(opts.preset, opts.steps).schedule;
    const lr = opts.lr !== undefined ? { schedule: { ...schedule, maxLr: opts.lr, minLr: opts.lr / 10 } } : {};
    trainer = new Trainer(model, data, trainConfigFor(opts.preset, opts.steps, { ...lr, ...opts.train }));
  }
  opts.onStart?.({ model, trainer, vocab, resumedFrom, changes });
  const record = history.length > 0 ? { extra: { resumeChanges: history } } : {};
  const extra = { vocab: { chars: [...vocab.chars] }, ...record };
  const last = trainer.step >= trainer.config.maxSteps && resumedFrom > 0
    ? trainer.evaluate()
    : await trainer.run({ onStep: opts.onStep, onEval: opts.onEval, checkpointDir: opts.out, checkpointExtra: extra });
  return { model, trainer, vocab, resumedFrom, changes, last };
}
