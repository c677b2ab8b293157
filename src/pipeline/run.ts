// One way to get any stage's model: read the checkpoint's small state file, then load, resume or
// train, and save once.
//
//   const sft = await getStage('sft', { profile: 'workshop', log: console.log });
//     finished in runs/workshop/sft  → loaded (one read of the weights)
//     unfinished there               → resumed from its last checkpoint
//     nothing there                  → the base model is got the same way (table.ts: sft starts from
//                                      base), then src/sft/stage.ts fine-tunes it and saves it once
//
// Stages never call each other: this file reads the table and calls each stage's code (load → stage →
// save), as nanochat's scripts do. The profile is a parameter; only the CLI and the notebooks read
// GPTLAB_PROFILE. A seed other than the profile's own runs in its own tree (runs/<profile>-seed<N>/),
// so a second seed never loads the first one's models.
//
// Every checkpoint a stage writes records a fingerprint of the settings it was trained with (its own,
// and that of the stage it starts from: fingerprint.ts). A finished checkpoint whose fingerprint is
// not the current settings' is not loaded: getStage fails, naming the fields that changed and the fix
// (delete the directory, or force). Retraining it silently would delete a model the user may want.
// Checkpoints from before fingerprints load as before, with one line saying they cannot be checked.
// Left out: the settings per profile (settings.ts), the stages' own code (src/train/world.ts,
// src/sft, src/reward, src/rlhf).

import * as fs from 'fs';
import * as path from 'path';
import { assert, GptLabError } from '../util/assert';
import { Profile } from '../profile';
import { makeWorld, World } from '../data/world/world';
import { practiceRanges, questionRanges } from '../data/world/splits';
import { ChatBpeTokenizer, trainChatTokenizer, worldTokenizerTexts } from '../tokenizer/chat';
import { GPT } from '../model';
import {
  Checkpoint, CheckpointState, hasCheckpoint, loadCheckpoint, readCheckpointState, resolveCheckpointDir,
  SettingsFingerprint,
} from '../train/checkpoint';
import { withSteps } from '../train/schedule';
import { BaseExtra, pretrainWorld, StageSave, TrainedModel, TrainHooks, WORLD_DATA } from '../train/world';
import { TrainConfig } from '../train/trainer';
import { fineTune, SftExtra } from '../sft/stage';
import { SftTrainConfig } from '../sft/train';
import { RewardExtra, RewardHooks, RewardSettings, rewardData, trainRewardStage } from '../reward/stage';
import { OnPolicyExtra, OnPolicySettings, ReplyScorer, onPolicyData, onPolicyRecord } from '../reward/onpolicy';
import { RewardTrainConfig } from '../reward/train';
import { rewardTokens } from '../reward/model';
import { practiceRewardSettings } from '../rlhf/practice';
import { DpoExtra, RlhfExtra, dpoPairs, rewardFnOf, trainDpoStage, trainRlhf } from '../rlhf/stage';
import { DpoConfig, DpoStepInfo, makeDpoConfig } from '../rlhf/dpo';
import { RlAlgo, RlConfig, RlStepInfo, makeRlConfig } from '../rlhf/rl';
import { PipelineSettings, pipelineSettings } from './settings';
import {
  EncoderExtra, EncoderStepInfo, EncoderSettings, OpenBookExtra, OpenBookSettings, fineTuneOpenBook, ragSettings,
  trainEncoderStage,
} from '../retrieval/stages';
import { StageName, stageDir, stageSpec } from './table';
import { changedFields, fingerprint, sameFingerprint } from './fingerprint';
import { ThinkExtra, trainThinkSft, verifierPairs } from '../think/stage';
import { thinkSettings } from '../think/settings';
import { DEFAULT_SFT_TRAIN } from '../sft/train';
import { toolFineTune, ToolExtra } from '../tools/stage';
import { toolboxSettings } from '../tools/settings';
import {
  checkpointTokenizer, loadRewardStage, loadStageModel, readTokenizerDir, RewardStageModel, StageModel, stageModelOf,
  TOKENIZER_FILE,
} from './load';

/** The world every stage uses: makeWorld()'s 'small' preset. */
export function stageWorld(): World {
  return makeWorld();
}

/** What every stage takes. */
export interface StageOptions {
  profile: Profile;
  /** Where this stage's checkpoint lives (default stageDir(name, profile, seed)). */
  dir?: string;
  /** The checkpoint to start from (default: the table's `from` stage, got the same way). */
  from?: string;
  /** Train again even if dir holds a finished checkpoint (also one trained with other settings). */
  force?: boolean;
  /**
   * Override the profile's number of steps (fresh runs only). Not part of the settings fingerprint: a
   * model trained with a steps override loads without one, as long as the profile's settings are unchanged.
   */
  steps?: number;
  /** Seeds the stage's init and data order (and those of the stages it trains first); recorded in the checkpoint. */
  seed?: number;
  /** One-line messages about what is loaded or trained (default: none). */
  log?: (line: string) => void;
}

/** RLHF's and DPO's own options. */
export interface PolicyOptions {
  /** The reward model's checkpoint (default: the table's reward stage). RLHF only. */
  reward?: string;
  /** 'ppo' (default) or 'grpo'. RLHF only. */
  algo?: RlAlgo;
  /** Overrides of the profile's RL settings (steps, beta, ...). */
  rl?: Partial<RlConfig>;
  /** Overrides of the profile's DPO settings. */
  dpo?: Partial<DpoConfig>;
  /** Called once before training (not when a finished checkpoint is loaded). */
  onStart?: (info: { steps: number; from: string }) => void;
}

/** Each stage's own options and callbacks. */
export interface StageExtras {
  tokenizer: object;
  base: TrainHooks;
  sft: TrainHooks;
  reward: RewardHooks & { settings?: Partial<RewardSettings> };
  'reward-onpolicy': RewardHooks & { score?: ReplyScorer; settings?: Partial<OnPolicySettings> };
  'reward-practice': RewardHooks & { score?: ReplyScorer };
  rlhf: PolicyOptions & { onStep?: (s: RlStepInfo) => void };
  dpo: PolicyOptions & { onStep?: (s: DpoStepInfo) => void; score?: ReplyScorer };
  'think-sft': TrainHooks;
  'think-verifier': RewardHooks;
  encoder: { onStep?: (s: EncoderStepInfo) => void; settings?: Partial<EncoderSettings> };
  openbook: TrainHooks & { settings?: Partial<OpenBookSettings> };
  'sft-tools': TrainHooks;
}

/** The chat tokenizer stage. */
export interface TokenizerStage {
  tok: ChatBpeTokenizer;
  dir: string;
  loaded: boolean;
}

/** What each stage gives. The caller owns (disposes) every model. */
export interface StageResults {
  tokenizer: TokenizerStage;
  base: StageModel<BaseExtra, TrainConfig>;
  sft: StageModel<SftExtra, SftTrainConfig>;
  reward: RewardStageModel<RewardExtra>;
  'reward-onpolicy': RewardStageModel<OnPolicyExtra>;
  'reward-practice': RewardStageModel<OnPolicyExtra>;
  rlhf: StageModel<RlhfExtra, RlConfig>;
  dpo: StageModel<DpoExtra, DpoConfig>;
  'think-sft': StageModel<ThinkExtra, SftTrainConfig>;
  'think-verifier': RewardStageModel<RewardExtra>;
  encoder: StageModel<EncoderExtra, EncoderSettings>;
  openbook: StageModel<OpenBookExtra, SftTrainConfig>;
  'sft-tools': StageModel<ToolExtra, SftTrainConfig>;
}

export type GetStageOptions<K extends StageName> = StageOptions & StageExtras[K];

/**
 * The small state file of dir's checkpoint, or undefined when there is none (or it cannot be read).
 * Never reads weights.
 */
export function peekState(dir: string): CheckpointState | undefined {
  if (!hasCheckpoint(dir)) return undefined;
  try {
    return readCheckpointState(dir);
  } catch {
    return undefined;
  }
}

/** Whether dir holds a finished checkpoint of `stage` (state.json alone is read). */
export function isFinished(dir: string, stage: CheckpointState['stage']): boolean {
  const s = peekState(dir);
  return s !== undefined && s.stage === stage && s.extra?.done === true;
}

/** The profile's settings with the seed and steps overrides of one call. */
function seeded(settings: PipelineSettings, seed: number | undefined): PipelineSettings {
  if (seed === undefined) return settings;
  return {
    ...settings,
    base: { ...settings.base, model: { ...settings.base.model, seed }, train: { ...settings.base.train, seed } },
    sft: { ...settings.sft, train: { ...settings.sft.train, seed } },
    reward: { ...settings.reward, headSeed: seed, train: { ...settings.reward.train, seed } },
    onpolicy: { ...settings.onpolicy, headSeed: seed, train: { ...settings.onpolicy.train, seed } },
    practice: { ...settings.practice, rl: { ...settings.practice.rl, seed } },
    rlhf: { ...settings.rlhf, rl: { ...settings.rlhf.rl, seed }, dpo: { ...settings.rlhf.dpo, seed } },
  };
}

/** The settings a call runs with: the profile's, with its seed. */
export function stageSettings(prof: Profile, seed?: number): PipelineSettings {
  return seeded(pipelineSettings(prof), seed);
}

/** What every checkpoint after the tokenizer carries: its tokenizer file, so its directory is self-contained. */
function recordOf(tok: ChatBpeTokenizer | undefined, resume?: Checkpoint): StageSave['record'] {
  if (tok === undefined) {
    const state = resume!.state;
    const json = state.tokenizer === 'chat-bpe'
      ? fs.readFileSync(path.join(resume!.dir, TOKENIZER_FILE), 'utf8')
      : undefined;
    return {
      tokenizer: state.tokenizer, data: WORLD_DATA, files: json === undefined ? undefined : { [TOKENIZER_FILE]: json },
    };
  }
  return { tokenizer: 'chat-bpe', data: WORLD_DATA, files: { [TOKENIZER_FILE]: tok.toJSON() } };
}

/** The record of a checkpoint that carries a tokenizer, for the stages that start from it. */
function recordFromDir(dir: string, state: CheckpointState): StageSave['record'] {
  const json = state.tokenizer === 'chat-bpe'
    ? fs.readFileSync(path.join(resolveCheckpointDir(dir), TOKENIZER_FILE), 'utf8')
    : undefined;
  return {
    tokenizer: state.tokenizer, data: state.data ?? WORLD_DATA,
    files: json === undefined ? undefined : { [TOKENIZER_FILE]: json },
  };
}

/** The record of a stage model's own checkpoint (its tokenizer file and data), for a stage that starts from it. */
function recordOfModel(m: { dir: string; state: unknown }): StageSave['record'] {
  return recordFromDir(m.dir, typed<CheckpointState>(m.state as never));
}

/** The line a fine-tuning stage logs when it has trained: its seconds and validation loss. */
function trainedLine(name: string, state: CheckpointState): string {
  return `${name}: trained in ${Number(state.extra?.seconds ?? 0).toFixed(0)} s, ` +
    `val loss ${state.metrics?.valLoss?.toFixed(3)}`;
}

/**
 * A stage's model: loaded when its directory holds a finished checkpoint (unless force), resumed when
 * it holds an unfinished one (base, SFT and openbook), else trained from the table's `from` stage (got
 * the same way) and saved once. A checkpoint trained with other settings than the current ones is
 * neither loaded nor resumed: getStage fails and says how to retrain it (checkSettings).
 *
 *   const base = await getStage('base', { profile: 'ci' });       // trains the tokenizer first if missing
 *   const rm = await getStage('reward-onpolicy', { profile: 'ci' });
 */
export async function getStage<K extends StageName>(name: K, opts: GetStageOptions<K>): Promise<StageResults[K]> {
  const fp = stageFingerprint(name, opts);
  if (!opts.force) checkSettings(name, opts, fp);
  const run = RUNNERS[name] as (o: GetStageOptions<K>, fp: SettingsFingerprint) => Promise<StageResults[K]>;
  return run(opts, fp);
}

type Runners = { [K in StageName]: (o: GetStageOptions<K>, fp: SettingsFingerprint) => Promise<StageResults[K]> };

/**
 * The settings each stage's runner trains with, less the `steps` override (a call's choice for a fresh
 * run, not the profile's): what its fingerprint hashes, one top-level field each. The runners read
 * their settings from here, so the fingerprint and the training cannot disagree. Left out: callbacks
 * (onStep, a `score` function), which cannot be hashed.
 */
const SETTINGS_OF = {
  tokenizer: (o: StageOptions) => stageSettings(o.profile, o.seed).tokenizer,
  base: (o: StageOptions) => stageSettings(o.profile, o.seed).base,
  sft: (o: StageOptions) => stageSettings(o.profile, o.seed).sft,
  reward: (o: GetStageOptions<'reward'>) => ({ ...stageSettings(o.profile, o.seed).reward, ...o.settings }),
  'reward-onpolicy': (o: GetStageOptions<'reward-onpolicy'>) => {
    const s = stageSettings(o.profile, o.seed);
    return { ...s.onpolicy, ...o.settings, questions: s.questions };
  },
  'reward-practice': (o: StageOptions) => {
    const s = stageSettings(o.profile, o.seed);
    const { questions: practiceQuestions, rewardHeldOut } = s.practice;
    const settings = practiceRewardSettings(s.onpolicy, s.practice);
    return { ...settings, practiceQuestions, rewardHeldOut, questions: s.questions };
  },
  rlhf: (o: GetStageOptions<'rlhf'>) => {
    const s = stageSettings(o.profile, o.seed);
    return { ...makeRlConfig(o.algo ?? 'ppo', { ...s.rlhf.rl, ...o.rl }), questions: s.questions };
  },
  dpo: (o: GetStageOptions<'dpo'>) => {
    const s = stageSettings(o.profile, o.seed);
    return { ...makeDpoConfig({ ...s.rlhf.dpo, ...o.dpo }), questions: s.questions, onpolicy: s.onpolicy };
  },
  'think-sft': (o: StageOptions) => ({ ...thinkSettings(o.profile).sft, seed: o.seed ?? DEFAULT_SFT_TRAIN.seed }),
  'think-verifier': (o: StageOptions) => {
    const s = thinkSettings(o.profile).verifier;
    const train = { ...s.train, ...(o.seed !== undefined ? { seed: o.seed } : {}) };
    return { ...s, headSeed: o.seed ?? s.headSeed, train, pairSeed: o.seed ?? 0 };
  },
  encoder: (o: GetStageOptions<'encoder'>) => ({ ...ragSettings(o.profile, o.seed).encoder, ...o.settings }),
  openbook: (o: GetStageOptions<'openbook'>) => ({ ...ragSettings(o.profile, o.seed).openBook, ...o.settings }),
  'sft-tools': (o: StageOptions) => {
    const s = toolboxSettings(o.profile).tools;
    const train = { ...s.train, ...(o.seed !== undefined ? { seed: o.seed } : {}) };
    return { ...s, train, sft: stageSettings(o.profile, o.seed).sft };
  },
} satisfies { [K in StageName]: (o: GetStageOptions<K>) => object };

/** The fingerprint a checkpoint of a stage that records none carries in its place, when a stage starts from it. */
const UNRECORDED = 'unrecorded';

/** Whether dir is the table's directory of `stage` for o's profile and seed (or a step directory inside it). */
function isStageDir(dir: string, stage: StageName, o: StageOptions): boolean {
  const own = stageDir(stage, o.profile, o.seed);
  const given = path.resolve(dir);
  return given === own || path.dirname(given) === own;
}

/**
 * The fingerprint hash of the model a stage starts from: the table's stage's, from the current settings
 * (so a change upstream reaches every stage after it, trained again or not), unless `from` names another
 * checkpoint: then the hash that checkpoint records.
 */
function startHash(stage: StageName, from: string | undefined, o: StageOptions): string {
  if (from === undefined || isStageDir(from, stage, o)) return stageFingerprint(stage, upstream(o)).hash;
  return peekState(from)?.fingerprint?.hash ?? UNRECORDED;
}

/**
 * The fingerprint of the settings a stage trains with under these options: its own settings
 * (SETTINGS_OF), the hash of the model it starts from and, for RLHF, of the reward model it is paid by.
 *
 *   stageFingerprint('sft', { profile: 'ci' }).fields → { examples, valExamples, mixture, train, from }
 */
export function stageFingerprint<K extends StageName>(name: K, o: GetStageOptions<K>): SettingsFingerprint {
  const own = (SETTINGS_OF[name] as (o: GetStageOptions<K>) => object)(o);
  const parent = stageSpec(name).from;
  // the base ignores `from` (it always reads the tokenizer stage); every other stage honours it
  const from = parent === undefined ? undefined : startHash(parent, name === 'base' ? undefined : o.from, o);
  let reward: string | undefined;
  if (name === 'rlhf') {
    const r = (o as GetStageOptions<'rlhf'>).reward;
    reward = r !== undefined ? peekState(r)?.fingerprint?.hash ?? UNRECORDED
      : stageFingerprint('reward-onpolicy', { ...upstream(o), from: o.from }).hash;
  }
  return fingerprint({ ...own, from, reward });
}

/** Stages that resume an unfinished checkpoint (the others train over it). */
const RESUMES: readonly StageName[] = ['base', 'sft', 'openbook'];

/** The tokenizer stage's record of its settings, beside its tokenizer.json. */
const TOKENIZER_FINGERPRINT_FILE = 'fingerprint.json';

/** The fingerprint the tokenizer stage's directory records, or undefined (none, or unreadable). */
function tokenizerFingerprint(dir: string): SettingsFingerprint | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, TOKENIZER_FINGERPRINT_FILE), 'utf8')) as SettingsFingerprint;
  } catch {
    return undefined;
  }
}

/** A stage's checkpoint in a directory, finished or not, and the fingerprint it records. */
interface FoundCheckpoint {
  what: 'finished' | 'unfinished';
  recorded?: SettingsFingerprint;
}

/** The checkpoint in dir (state.json, or the tokenizer's files, alone); undefined when none. */
function checkpointIn(name: StageName, dir: string): FoundCheckpoint | undefined {
  if (name === 'tokenizer') {
    if (!fs.existsSync(path.join(dir, TOKENIZER_FILE))) return undefined;
    return { what: 'finished', recorded: tokenizerFingerprint(dir) };
  }
  const state = peekState(dir);
  if (state === undefined) return undefined;
  return { what: state.extra?.done === true ? 'finished' : 'unfinished', recorded: state.fingerprint };
}

/** The checkpoint getStage would load (finished) or resume (unfinished) in dir; undefined when none. */
function checkpointToUse(name: StageName, dir: string): FoundCheckpoint | undefined {
  const found = checkpointIn(name, dir);
  return found?.what === 'unfinished' && !RESUMES.includes(name) ? undefined : found;
}

/**
 * Where a stage stands: a finished checkpoint (the notebooks load it), one finished with other settings
 * than today's (stale: getStage refuses it, naming the fix), an interrupted one, or nothing.
 */
export type StageStatus = 'finished' | 'stale' | 'unfinished' | 'missing';

/**
 * The status of a stage's directory, from its small state files alone, against the fingerprint of the
 * settings it would be got with; the same test getStage applies before loading (checkSettings).
 *
 *   stageStatus('base', 'runs/ci/base', stageFingerprint('base', { profile: 'ci' })) → 'missing' (nothing
 *   there), 'unfinished' (a checkpoint without extra.done, e.g. an interrupted run), 'stale' or 'finished'
 */
export function stageStatus(name: StageName, dir: string, expected?: SettingsFingerprint): StageStatus {
  const found = checkpointIn(name, dir);
  if (found === undefined) return 'missing';
  if (found.what === 'unfinished') return 'unfinished';
  // a checkpoint from before fingerprints cannot be checked: it counts as finished, as getStage loads it
  const stale = expected !== undefined && found.recorded !== undefined && !sameFingerprint(found.recorded, expected);
  return stale ? 'stale' : 'finished';
}

/**
 * Fails when the checkpoint a stage would load (or resume) was trained with other settings than `current`.
 * One that records no fingerprint (trained before they existed) passes, with a line saying it cannot be checked.
 */
function checkSettings(name: StageName, o: StageOptions, current: SettingsFingerprint): void {
  const dir = dirOf(name, o);
  const found = checkpointToUse(name, dir);
  if (found === undefined) return;
  if (found.recorded === undefined) {
    o.log?.(`${name}: ${dir} records no settings fingerprint (trained before gpt-lab recorded them): ` +
      'whether its settings changed cannot be checked');
    return;
  }
  if (sameFingerprint(found.recorded, current)) return;
  const changed = changedFields(found.recorded, current);
  const parent = stageSpec(name).from;
  const named = (f: string) => f === 'from' ? `from (the ${parent} model it starts from)`
    : f === 'reward' ? 'reward (its reward model)' : f;
  const what = changed === undefined ? 'its settings changed since it was trained'
    : `its settings changed since it was trained (${changed.map(named).join(', ')})`;
  throw new GptLabError(`${name}: the ${found.what} checkpoint in ${dir} is not loaded: ${what}, so its numbers ` +
    `would be the old model's. Delete ${dir} or pass force (gpt-lab stages --only ${name} --force / the stage ` +
    "command's --force) to retrain it");
}

const dirOf = (name: StageName, o: StageOptions) => o.dir ?? stageDir(name, o.profile, o.seed);
/**
 * The options of a stage got on the way to another: same profile and seed; its training is logged,
 * its loading is not (the caller asked for the later stage, and a notebook has usually loaded this
 * one itself already, so the line would repeat).
 */
const upstream = (o: StageOptions): StageOptions => ({
  profile: o.profile,
  seed: o.seed,
  log: o.log === undefined ? undefined : (line) => { if (!/^[\w-]+: loading /.test(line)) o.log!(line); },
});

/** The model a stage starts from: `from` when given, else the table's `from` stage. */
async function startModel(name: StageName, o: StageOptions): Promise<StageModel> {
  if (o.from !== undefined) return loadStageModel(o.from);
  const from = stageSpec(name).from as 'base' | 'sft' | 'think-sft';
  return (await getStage(from, upstream(o))) as StageModel;
}

/** A checkpoint state as a stage's typed state (the stage wrote the fields its type names). */
function typed<S>(state: CheckpointState): S {
  return state as unknown as S;
}

/** Writes file through a temporary file renamed over it, so a reader never sees half of it. */
function writeReplacing(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

const RUNNERS: Runners = {
  async tokenizer(o, fp) {
    const dir = dirOf('tokenizer', o);
    const file = path.join(dir, TOKENIZER_FILE);
    if (!o.force && fs.existsSync(file)) {
      o.log?.(`tokenizer: loading ${file}`);
      return { tok: readTokenizerDir(dir), dir, loaded: true };
    }
    const { vocabSize } = SETTINGS_OF.tokenizer(o);
    const start = performance.now();
    const tok = trainChatTokenizer(worldTokenizerTexts(stageWorld()), vocabSize);
    fs.mkdirSync(dir, { recursive: true });
    // subtle: the tokenizer first, its fingerprint second, so a crash between them never leaves a new
    // fingerprint beside an old tokenizer (at worst a tokenizer whose settings cannot be checked)
    writeReplacing(file, tok.toJSON());
    writeReplacing(path.join(dir, TOKENIZER_FINGERPRINT_FILE), JSON.stringify(fp));
    o.log?.(`tokenizer: trained a ${tok.vocabSize}-token chat BPE ` +
      `in ${((performance.now() - start) / 1000).toFixed(1)} s into ${file}`);
    return { tok, dir, loaded: false };
  },

  async base(o, fp) {
    const dir = dirOf('base', o);
    const s = SETTINGS_OF.base(o);
    const state = o.force ? undefined : peekState(dir);
    if (state?.extra?.done === true) {
      o.log?.(`base: loading the finished model in ${dir}`);
      return loadStageModel(dir);
    }
    const resume = state !== undefined ? loadCheckpoint(dir) : undefined;
    const tok = resume !== undefined
      ? checkpointTokenizer(resume.dir, resume.state)
      : (await getStage('tokenizer', upstream(o))).tok;
    const train = withSteps(s.train, o.steps);
    o.log?.(resume !== undefined ? `base: resuming at step ${resume.state.step} in ${dir}`
      : `base: pretraining on the world's documents (${train.maxSteps} steps) into ${dir}`);
    // a resumed run keeps the fingerprint it started with (checked against the current one by getStage)
    const record = resume !== undefined ? { ...recordOf(undefined, resume), fingerprint: resume.state.fingerprint }
      : { ...recordOf(tok as ChatBpeTokenizer), fingerprint: fp };
    const run = await pretrainWorld(stageWorld(), tok, { ...s, train }, { dir, record }, { ...o, resume });
    o.log?.(trainedLine('base', run.state));
    return { model: run.model, tok, dir, state: typed<StageResults['base']['state']>(run.state), loaded: false };
  },

  async sft(o, fp) {
    const s = SETTINGS_OF.sft(o);
    return fineTuneStage('sft', o, fp, { ...s, train: withSteps(s.train, o.steps) }, 'fine-tuning', fineTune);
  },

  async reward(o, fp) {
    const dir = dirOf('reward', o);
    if (!o.force && isFinished(dir, 'reward')) {
      o.log?.(`reward: loading the finished reward model in ${dir}`);
      return loadRewardStage<RewardExtra>(dir);
    }
    const base = SETTINGS_OF.reward(o);
    const settings = { ...base, train: withSteps(base.train, o.steps) };
    const sft = await startModel('reward', o);
    try {
      const from = resolveCheckpointDir(sft.dir);
      const splits = rewardData(stageWorld(), settings, rewardTokens(sft.tok), sft.model.config.blockSize);
      o.log?.(`reward: training from ${from} (${settings.train.maxSteps} steps of ${settings.train.batchSize} pairs) ` +
        `into ${dir}`);
      const save = { dir, record: { ...recordOfModel(sft), fingerprint: fp } };
      const r = await trainRewardStage(sft, splits, settings, save, { ...o, from });
      return { ...r, dir, state: typed<StageResults['reward']['state']>(r.state), loaded: false };
    } finally {
      sft.model.dispose();
    }
  },

  async 'reward-onpolicy'(o, fp) {
    const { questions, ...settings } = SETTINGS_OF['reward-onpolicy'](o);
    const train = withSteps(settings.train, o.steps);
    return onPolicyStage('reward-onpolicy', o, fp, { ...settings, train }, questionRanges(stageWorld(), questions));
  },

  async 'reward-practice'(o, fp) {
    const { practiceQuestions, rewardHeldOut, questions, ...settings } = SETTINGS_OF['reward-practice'](o);
    const q = practiceRanges(stageWorld(), practiceQuestions, rewardHeldOut, questions);
    return onPolicyStage('reward-practice', o, fp, settings, q);
  },

  async rlhf(o, fp) {
    const dir = dirOf('rlhf', o);
    if (!o.force && isFinished(dir, 'rlhf')) {
      o.log?.(`rlhf: loading the finished policy in ${dir}`);
      return loadStageModel(dir);
    }
    const { questions, ...rl } = SETTINGS_OF.rlhf(o);
    const config = makeRlConfig(rl.algo, { ...rl, ...(o.steps !== undefined ? { steps: o.steps } : {}) });
    const { policy, reference, from } = await policyAndReference('rlhf', o);
    let rm: RewardStageModel<unknown> | undefined;
    try {
      if (o.reward !== undefined) assert(fs.existsSync(o.reward),
        () => `--reward ${o.reward} does not exist; give a reward model checkpoint (e.g. runs/full/reward-onpolicy)`);
      rm = o.reward !== undefined
        ? loadRewardStage(o.reward)
        : await getStage('reward-onpolicy', { ...upstream(o), from });
      const prompts = questionRanges(stageWorld(), questions);
      o.log?.(`rlhf: ${config.algo} from ${from} for ${config.steps} steps of ` +
        `${config.promptsPerStep}x${config.groupSize} replies, β ${config.beta}, into ${dir}`);
      o.onStart?.({ steps: config.steps, from });
      const env = { tok: policy.tok, examples: prompts.train, reward: rewardFnOf(rm.rm, rewardTokens(policy.tok)) };
      const record = { ...recordFromDir(from, typed<CheckpointState>(policy.state as never)), fingerprint: fp };
      const run = await trainRlhf(policy, reference, env, config, { dir, record }, { from, onStep: o.onStep });
      o.log?.(`rlhf: trained in ${run.state.extra.seconds.toFixed(0)} s`);
      return {
        model: run.model, tok: policy.tok, dir, state: run.state as unknown as StageResults['rlhf']['state'],
        loaded: false,
      };
    } catch (e) {
      policy.model.dispose();
      throw e;
    } finally {
      reference.dispose();
      rm?.rm.dispose();
    }
  },

  async dpo(o, fp) {
    const dir = dirOf('dpo', o);
    if (!o.force && isFinished(dir, 'dpo')) {
      o.log?.(`dpo: loading the finished policy in ${dir}`);
      return loadStageModel(dir);
    }
    const { questions, onpolicy, ...dpo } = SETTINGS_OF.dpo(o);
    const config = makeDpoConfig({ ...dpo, ...(o.steps !== undefined ? { steps: o.steps } : {}) });
    const { policy, reference, from } = await policyAndReference('dpo', o);
    try {
      const ranges = questionRanges(stageWorld(), questions);
      const pairs = dpoPairs(reference, policy.tok, stageWorld(), ranges, onpolicy, o.score);
      o.log?.(`dpo: from ${from} on ${pairs.length} preference pairs, ` +
        `${config.steps} steps of ${config.pairsPerStep} pairs, β ${config.beta}, into ${dir}`);
      o.onStart?.({ steps: config.steps, from });
      const record = { ...recordFromDir(from, typed<CheckpointState>(policy.state as never)), fingerprint: fp };
      const run = await trainDpoStage(policy, reference, pairs, config, { dir, record }, { from, onStep: o.onStep });
      o.log?.(`dpo: trained in ${run.state.extra.seconds.toFixed(0)} s`);
      return {
        model: run.model, tok: policy.tok, dir, state: run.state as unknown as StageResults['dpo']['state'],
        loaded: false,
      };
    } catch (e) {
      policy.model.dispose();
      throw e;
    } finally {
      reference.dispose();
    }
  },

  async encoder(o, fp) {
    const dir = dirOf('encoder', o);
    if (!o.force && isFinished(dir, 'encoder')) {
      o.log?.(`encoder: loading the finished encoder in ${dir}`);
      return loadStageModel(dir);
    }
    const settings = { ...SETTINGS_OF.encoder(o), ...(o.steps !== undefined ? { steps: o.steps } : {}) };
    const start = await startModel('encoder', o);
    try {
      const from = resolveCheckpointDir(start.dir);
      o.log?.(`encoder: contrastive training from ${from} ` +
        `(${settings.steps} steps of ${settings.batchSize} pairs, τ ${settings.temperature}) into ${dir}`);
      const save = { dir, record: { ...recordOfModel(start), fingerprint: fp } };
      const run = await trainEncoderStage(start, stageWorld(), settings, save, { from, onStep: o.onStep });
      o.log?.(`encoder: trained in ${Number(run.state.extra?.seconds ?? 0).toFixed(0)} s, ` +
        `last loss ${run.state.metrics?.trainLoss?.toFixed(3)} ` +
        `(chance ln ${settings.batchSize} = ${Math.log(settings.batchSize).toFixed(3)})`);
      return {
        model: run.model, tok: start.tok, dir, state: typed<StageResults['encoder']['state']>(run.state), loaded: false,
      };
    } catch (e) {
      start.model.dispose();
      throw e;
    }
  },

  async openbook(o, fp) {
    const s = SETTINGS_OF.openbook(o);
    const settings = { ...s, train: withSteps(s.train, o.steps) };
    return fineTuneStage('openbook', o, fp, settings, 'fine-tuning on open-book questions', fineTuneOpenBook);
  },

  async 'think-sft'(o, fp) {
    const dir = dirOf('think-sft', o);
    if (!o.force && isFinished(dir, 'sft')) {
      o.log?.(`think-sft: loading the finished model in ${dir}`);
      return loadStageModel(dir);
    }
    const { seed, ...s } = SETTINGS_OF['think-sft'](o);
    const settings = { ...s, train: withSteps(s.train, o.steps) };
    const base = await startModel('think-sft', o);
    const from = resolveCheckpointDir(base.dir);
    o.log?.(`think-sft: fine-tuning ${from} on ${settings.examples} sums in every format ` +
      `(${settings.train.maxSteps} steps) into ${dir}`);
    const record = { ...recordOfModel(base), fingerprint: fp };
    const run = await trainThinkSft(base, settings, { dir, record }, { ...o, from, seed });
    o.log?.(trainedLine('think-sft', run.state));
    return {
      model: run.model, tok: base.tok, dir, state: typed<StageResults['think-sft']['state']>(run.state), loaded: false,
    };
  },

  async 'think-verifier'(o, fp) {
    const dir = dirOf('think-verifier', o);
    if (!o.force && isFinished(dir, 'reward')) {
      o.log?.(`think-verifier: loading the finished verifier in ${dir}`);
      return loadRewardStage<RewardExtra>(dir);
    }
    const { pairSeed, ...s } = SETTINGS_OF['think-verifier'](o);
    const settings = { ...s, train: withSteps(s.train, o.steps) };
    const sft = await startModel('think-verifier', o);
    try {
      const from = resolveCheckpointDir(sft.dir);
      const splits = verifierPairs(rewardTokens(sft.tok), sft.model.config.blockSize, settings, pairSeed);
      o.log?.(`think-verifier: ${splits.train.length} right-against-wrong pairs, ${settings.train.maxSteps} steps, ` +
        `from ${from} into ${dir}`);
      const save = { dir, record: { ...recordOfModel(sft), fingerprint: fp } };
      const r = await trainRewardStage(sft, splits, settings, save, { ...o, from }, { kind: 'verifier' });
      return { ...r, dir, state: typed<StageResults['think-verifier']['state']>(r.state), loaded: false };
    } finally {
      sft.model.dispose();
    }
  },

  async 'sft-tools'(o, fp) {
    const dir = dirOf('sft-tools', o);
    if (!o.force && isFinished(dir, 'sft')) {
      o.log?.(`sft-tools: loading the finished model in ${dir}`);
      return loadStageModel(dir);
    }
    const { sft, ...s } = SETTINGS_OF['sft-tools'](o);
    const settings = { ...s, train: withSteps(s.train, o.steps) };
    const start = await startModel('sft-tools', o);
    const from = resolveCheckpointDir(start.dir);
    o.log?.(`sft-tools: fine-tuning on calculator traces from ${from} (${settings.train.maxSteps} steps) into ${dir}`);
    const record = { ...recordOfModel(start), fingerprint: fp };
    const run = await toolFineTune(start, stageWorld(), sft, settings, { dir, record }, { ...o, from });
    o.log?.(trainedLine('sft-tools', run.state));
    return {
      model: run.model, tok: start.tok, dir, state: typed<StageResults['sft-tools']['state']>(run.state), loaded: false,
    };
  },
};

/**
 * A fine-tuning stage (sft, openbook): loaded when its directory holds a finished checkpoint (unless force),
 * resumed when it holds an unfinished one, else fine-tuned from the table's `from` stage; saved once by `train`.
 */
async function fineTuneStage<K extends 'sft' | 'openbook', S>(
  name: K, o: StageOptions & TrainHooks, fp: SettingsFingerprint, settings: S & { train: Partial<SftTrainConfig> },
  what: string,
  train: (
    start: StageModel, world: World, s: S, save: StageSave, opts: TrainHooks & { resume?: Checkpoint; from: string },
  ) => Promise<TrainedModel>,
): Promise<StageResults[K]> {
  const dir = dirOf(name, o);
  const state = o.force ? undefined : peekState(dir);
  if (state?.extra?.done === true) {
    o.log?.(`${name}: loading the finished model in ${dir}`);
    return loadStageModel(dir) as StageResults[K];
  }
  let start: StageModel;
  let from: string;
  let resume: Checkpoint | undefined;
  if (state !== undefined) {
    resume = loadCheckpoint(dir);
    start = stageModelOf(dir, resume, false);
    from = String(resume.state.extra?.from ?? dir);
  } else {
    start = await startModel(name, o);
    from = resolveCheckpointDir(start.dir);
  }
  const how = resume !== undefined ? `resuming at step ${resume.state.step}` : what;
  o.log?.(`${name}: ${how} from ${from} (${settings.train.maxSteps} steps) into ${dir}`);
  const startState = resume?.state ?? typed<CheckpointState>(start.state as never);
  // a resumed run keeps the fingerprint it started with (checked against the current one by getStage)
  const record = { ...recordFromDir(resume !== undefined ? dir : start.dir, startState),
    fingerprint: resume !== undefined ? resume.state.fingerprint : fp };
  const run = await train(start, stageWorld(), settings, { dir, record }, { ...o, resume, from });
  o.log?.(trainedLine(name, run.state));
  return {
    model: run.model, tok: start.tok, dir, state: typed<StageResults[K]['state']>(run.state), loaded: false,
  } as StageResults[K];
}

/** The SFT model twice: the policy (trained) and the reference (frozen), and the checkpoint it came from. */
async function policyAndReference(
  name: 'rlhf' | 'dpo', o: StageOptions,
): Promise<{ policy: StageModel; reference: GPT; from: string }> {
  const policy = await startModel(name, o);
  const from = resolveCheckpointDir(policy.dir);
  return { policy, reference: loadStageModel(from).model, from };
}

/** An on-policy reward model: comparisons of the SFT model's replies to `questions`, trained and saved once. */
async function onPolicyStage(
  name: 'reward-onpolicy' | 'reward-practice', o: StageOptions & RewardHooks & { score?: ReplyScorer },
  fp: SettingsFingerprint, settings: OnPolicySettings, questions: Parameters<typeof onPolicyData>[3],
): Promise<RewardStageModel<OnPolicyExtra>> {
  const dir = dirOf(name, o);
  if (!o.force && isFinished(dir, 'reward')) {
    o.log?.(`reward: loading the finished on-policy reward model in ${dir}`);
    return loadRewardStage<OnPolicyExtra>(dir);
  }
  const sft = await startModel(name, o);
  try {
    const from = resolveCheckpointDir(sft.dir);
    const started = performance.now();
    const splits = onPolicyData(sft.model, sft.tok, stageWorld(), questions, settings, o.score);
    const what = splits.source === 'on-policy'
      ? `${splits.train.length} comparisons of the SFT model's own replies ` +
        `(${settings.sampling.samples} per question, ${(performance.now() - started) / 1000 | 0} s to sample)`
      : `${splits.train.length} templated comparisons (notebook 05's): every reply of the SFT model to a question ` +
        `scored the same, so its own replies give no comparisons`;
    o.log?.(`reward: ${what}; training ${settings.train.maxSteps} steps into ${dir}`);
    const save = { dir, record: { ...recordOfModel(sft), fingerprint: fp } };
    const r = await trainRewardStage(sft, splits, settings, save, { ...o, from }, onPolicyRecord(splits));
    return { ...r, dir, state: r.state as unknown as RewardStageModel<OnPolicyExtra>['state'], loaded: false };
  } finally {
    sft.model.dispose();
  }
}
