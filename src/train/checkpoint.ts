// Checkpoints: everything needed to continue a run exactly, written so a crash never leaves a half
// checkpoint as the latest.
//
//   OUT/latest.json              { "dir": "step-000500" }: the newest complete checkpoint
//   OUT/step-000500/model.safetensors      the weights, by nanoGPT's names
//   OUT/step-000500/optimizer.safetensors  AdamW's m.<name> and v.<name>
//   OUT/step-000500/state.json   format version, step, model config, train config, seeds, vocabulary,
//                                and the sha256 of every other file in the step directory
//   OUT/.lock                    while a run trains or saves: its pid and host (src/util/lock.ts)
//
// Writing: under OUT's lock (a second run on the same OUT fails at once), the step directory is filled
// under a temporary name, fsynced and renamed into place; then latest.json is written to a temporary
// file and renamed over the old one (rename is atomic on POSIX); each rename is followed by an fsync of
// OUT, so it survives a power cut. Only then are older step directories removed. A crash at any point
// leaves latest.json pointing at a complete checkpoint, and the next save removes the temporary
// directories of dead processes. Loading checks each file's sha256 (a flipped byte says "damaged"
// instead of sampling garbage). Data batches and dropout masks are functions of (seed, step), so the
// seed and the step are the whole RNG state.
// Left out: keeping the best-by-validation checkpoint apart, sharded files.

import { createHash } from 'crypto';

import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { assert, GptLabError } from '../util/assert';
import { isAlive, withDirLock } from '../util/lock';
import {
  checkConfig, GPT, GPTConfig, groupParams, NamedArray, decodeSafetensors, encodeSafetensors, paramSpecs,
} from '../model';
import { AdamW } from './adamw';

export const CHECKPOINT_FORMAT = 'gpt-lab-checkpoint';
export const CHECKPOINT_VERSION = 1;

/**
 * A short hash of the settings a pipeline stage was trained with (src/pipeline/fingerprint.ts): of all
 * of them, and of each top-level field, so a mismatch can name what changed.
 */
export interface SettingsFingerprint {
  /** First 12 hex characters of the sha256 of the settings' canonical JSON. */
  hash: string;
  /** The same hash of each top-level field (e.g. train, data, from). */
  fields: Record<string, string>;
}

/** The JSON part of a checkpoint. */
export interface CheckpointState {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  /** Optimizer steps completed: training resumes at this step. */
  step: number;
  /** The model's config. */
  config: GPTConfig;
  /** The training settings the run used (opaque here; the trainer checks them). */
  train?: unknown;
  /** The seed that (with the step) fixes every data batch and dropout mask. */
  seed: number;
  /** The char-level vocabulary, so `gpt-lab sample` can encode prompts and decode output. */
  vocab?: { chars: string[] };
  /** Losses at save time, if evaluated. */
  metrics?: { trainLoss?: number; valLoss?: number };
  /**
   * 'chat-char': the chat tokenizer of src/data/char-tokenizer.ts (printable ASCII + chat specials);
   * 'chat-bpe': the lab's byte-level BPE chat tokenizer, saved beside the weights as tokenizer.json.
   */
  tokenizer?: 'chat-char' | 'chat-bpe';
  /** The pipeline stage that wrote it (pretraining writes none, or 'base' on the task world). */
  stage?: 'base' | 'sft' | 'reward' | 'rlhf' | 'dpo' | 'encoder' | 'openbook';
  /** The dataset it was trained on (e.g. 'shakespeare-char', 'world-small'). */
  data?: string;
  /** Stage-specific settings and metrics (opaque here). */
  extra?: Record<string, unknown>;
  /**
   * The fingerprint of the settings a pipeline stage was trained with, checked before a finished stage
   * is loaded; checkpoints saved before fingerprints existed (and those outside the pipeline) have none.
   */
  fingerprint?: SettingsFingerprint;
  /**
   * sha256 (hex) of each file saved beside state.json, by file name, checked on load; checkpoints
   * saved before checksums existed have none and load unchecked.
   */
  sha256?: Record<string, string>;
}

/**
 * The fields of CheckpointState a training run may add to every checkpoint it writes, and small files
 * written into the step directory beside the weights (e.g. 'tokenizer.json'), so the directory is
 * self-contained; readCheckpointFile reads them back.
 */
export type CheckpointExtra = Pick<CheckpointState, 'vocab' | 'tokenizer' | 'stage' | 'data' | 'extra' | 'fingerprint'>
  & { files?: Record<string, string> };

/** Names saveCheckpoint uses itself, which extra files may not take. */
const RESERVED_FILES = ['model.safetensors', 'optimizer.safetensors', 'state.json'];

/** A loaded checkpoint, as plain data. */
export interface Checkpoint {
  dir: string;
  state: CheckpointState;
  weights: Map<string, NamedArray>;
  /** m.<name>, v.<name>; absent when saved without an optimizer. */
  optimizer?: { step: number; m: Map<string, NamedArray>; v: Map<string, NamedArray> };
}

function arraysOf(vars: Map<string, tf.Variable>, prefix = ''): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, v] of vars) {
    out.set(prefix + name, { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
  }
  return out;
}

/**
 * sha256 in hex: sha256Hex(Buffer.from('abc')) → 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
 */
export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Writes and fsyncs a file; returns the sha256 of what it wrote. */
function writeSynced(file: string, data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  return sha256Hex(bytes);
}

/** Makes the entries of dir (a rename into it) durable. Some systems (Windows) cannot fsync a directory. */
function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fs.fsyncSync(fd);
  } catch (e) {
    if (!['EISDIR', 'EINVAL', 'EPERM', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
  } finally {
    fs.closeSync(fd);
  }
}

/** The directory name of a step: stepDirName(500) → 'step-000500'. */
export function stepDirName(step: number): string {
  return `step-${String(step).padStart(6, '0')}`;
}

/** What saveCheckpoint writes (and a pipeline stage returns): the fields given, without the files. */
export type CheckpointFields = Omit<CheckpointState, 'format' | 'version'> & Pick<CheckpointExtra, 'files'>;

/**
 * The state.json that saveCheckpoint writes for these fields, less the file checksums (sha256) only the
 * save computes, so a stage can hand on what it saved without reading it back.
 *
 *   checkpointState({ step: 5, config, seed: 1, files: { 'tokenizer.json': '...' } })
 *     → { format: 'gpt-lab-checkpoint', version: 1, step: 5, config, seed: 1 }
 */
export function checkpointState(fields: CheckpointFields): CheckpointState {
  // fields copied from a loaded checkpoint may carry its sha256: it describes that checkpoint's files, not these
  const { files: _files, sha256: _old, ...state } = fields;
  return { format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, ...state };
}

/** Step directories: 'step-000500', or 'step-000500-1' when step 500 was saved again over itself. */
const STEP_DIR = /^step-\d+(-1)?$/;
/** What a save in progress writes (its pid last): '.step-000500.tmp-4242', '.latest.json.tmp-4242'. */
const TMP_ENTRY = /^\.(step-\d+(-1)?|latest\.json)\.tmp-(\d+)$/;

/** The directory latest.json names, or undefined. */
function latestDir(root: string): string | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(root, 'latest.json'), 'utf8')).dir;
  } catch {
    return undefined;
  }
}

/** Removes what saves of dead processes (or failed saves of this one) left half-written. */
function removeLeftovers(root: string): void {
  for (const entry of fs.readdirSync(root)) {
    const m = TMP_ENTRY.exec(entry);
    if (m !== null && (Number(m[3]) === process.pid || !isAlive(Number(m[3])))) {
      fs.rmSync(path.join(root, entry), { recursive: true, force: true });
    }
  }
}

/**
 * Saves model (and optimizer) under root as the new latest checkpoint; returns its directory.
 * extraWeights (e.g. a reward head, 'reward.head.weight') go into model.safetensors beside the GPT's;
 * loadCheckpoint returns them in `weights` and modelFromCheckpoint ignores them. Moments of extra
 * weights in the optimizer are saved too (they are keyed by name).
 *
 *   saveCheckpoint('out/baby', { step: 500, ... }, model, opt) → 'out/baby/step-000500'
 */
export function saveCheckpoint(root: string, stateAndFiles: CheckpointFields,
  model: GPT, optimizer?: AdamW, extraWeights?: Map<string, tf.Variable>): string {
  const { files } = stateAndFiles;
  const state = checkpointState(stateAndFiles);
  return withDirLock(root, () => {
    removeLeftovers(root);
    // subtle: saving step s again while step-s is the latest goes to step-s-1 (and back), so that
    // latest.json never names a directory that is being replaced.
    const name = stepDirName(state.step) + (latestDir(root) === stepDirName(state.step) ? '-1' : '');
    const final = path.join(root, name);
    const tmp = path.join(root, `.${name}.tmp-${process.pid}`);
    fs.mkdirSync(tmp);
    const sha256: Record<string, string> = {};
    const put = (file: string, data: Uint8Array | string) => {
      sha256[file] = writeSynced(path.join(tmp, file), data);
    };
    const meta = { format: CHECKPOINT_FORMAT, version: String(CHECKPOINT_VERSION) };
    const weights = arraysOf(model.params.byName);
    for (const [name, a] of arraysOf(extraWeights ?? new Map())) {
      assert(!weights.has(name),
        () => `saveCheckpoint: extra weight '${name}' has the name of a GPT parameter; ` +
          'give it a prefix such as \'reward.\'');
      weights.set(name, a);
    }
    put('model.safetensors', encodeSafetensors(weights, meta));
    if (optimizer !== undefined) {
      const tensors = new Map([...arraysOf(optimizer.m, 'm.'), ...arraysOf(optimizer.v, 'v.')]);
      put('optimizer.safetensors', encodeSafetensors(tensors, { ...meta, step: String(optimizer.step) }));
    }
    for (const [file, text] of Object.entries(files ?? {})) {
      assert(/^[\w.-]+$/.test(file) && !RESERVED_FILES.includes(file),
        () => `saveCheckpoint: extra file name '${file}' is reserved or not a plain file name; ` +
          'use e.g. \'tokenizer.json\'');
      put(file, text);
    }
    const full: CheckpointState = { ...state, sha256 };
    writeSynced(path.join(tmp, 'state.json'), JSON.stringify(full, null, 2) + '\n');
    fsyncDir(tmp);
    fs.rmSync(final, { recursive: true, force: true }); // an older save of this step, not the latest (see above)
    fs.renameSync(tmp, final);
    fsyncDir(root);
    const latestTmp = path.join(root, `.latest.json.tmp-${process.pid}`);
    writeSynced(latestTmp, JSON.stringify({ dir: name, step: state.step }) + '\n');
    fs.renameSync(latestTmp, path.join(root, 'latest.json'));
    fsyncDir(root);
    for (const entry of fs.readdirSync(root)) {
      // subtle: never the directory latest.json names, whoever wrote it
      if (STEP_DIR.test(entry) && entry !== name && entry !== latestDir(root)) {
        fs.rmSync(path.join(root, entry), { recursive: true, force: true });
      }
    }
    return final;
  });
}

/** Whether root holds a checkpoint (a latest.json, or a state.json directly). */
export function hasCheckpoint(root: string): boolean {
  return fs.existsSync(path.join(root, 'latest.json')) || fs.existsSync(path.join(root, 'state.json'));
}

/** The checkpoint directory that root's latest.json names, or root itself. */
export function resolveCheckpointDir(root: string): string {
  const latest = path.join(root, 'latest.json');
  if (!fs.existsSync(latest)) {
    assert(fs.existsSync(path.join(root, 'state.json')),
      () => `${root} holds no checkpoint (no latest.json or state.json); ` +
        `train one with \`gpt-lab pretrain --out ${root}\``);
    return root;
  }
  let dir: unknown;
  try {
    dir = JSON.parse(fs.readFileSync(latest, 'utf8')).dir;
  } catch (e) {
    throw new GptLabError(`${latest} is corrupt (${(e as Error).message}); ` +
      `point at a step-* directory inside ${root} instead`);
  }
  assert(typeof dir === 'string' && STEP_DIR.test(dir),
    () => `${latest} names ${JSON.stringify(dir)}, not a step-* directory`);
  return path.join(root, dir);
}

function readFile(file: string): Buffer {
  assert(fs.existsSync(file), () => `checkpoint file ${file} is missing; the checkpoint is incomplete — ` +
    'delete it, or resume from an earlier one');
  return fs.readFileSync(file);
}

/** A file of the step directory dir, checked against the sha256 its state.json recorded (if any). */
function readVerified(dir: string, name: string, state: CheckpointState): Buffer {
  const file = path.join(dir, name);
  const bytes = readFile(file);
  const want = state.sha256?.[name];
  if (want !== undefined) {
    const got = sha256Hex(bytes);
    assert(got === want, () => `${file} is damaged: its sha256 is ${got.slice(0, 16)}…, but ` +
      `${path.join(dir, 'state.json')} recorded ${want.slice(0, 16)}… when it was saved. ` +
      'The checkpoint is damaged: restore the file from a copy, or train again in a new directory');
  }
  return bytes;
}

/** Throws if a tensor of a weights file holds NaN or ±Infinity: trained weights never do, damaged ones may. */
function checkFiniteWeights(file: string, tensors: Map<string, NamedArray>): void {
  for (const [name, t] of tensors) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new GptLabError(`${file}: ${name}[${i}] is ${d[i]}; trained weights are never NaN or infinite, ` +
          'so the checkpoint is damaged: restore it from a copy, or train again in a new directory');
      }
    }
  }
}

/**
 * A file saved with the checkpoint (CheckpointExtra.files), as text, or undefined when absent.
 *
 *   readCheckpointFile('runs/full/sft', 'tokenizer.json') → '{"format":"gpt-lab-tokenizer",...}'
 */
export function readCheckpointFile(root: string, name: string): string | undefined {
  const dir = resolveCheckpointDir(root);
  const state = readStateFile(dir);
  if (!fs.existsSync(path.join(dir, name)) && state.sha256?.[name] === undefined) return undefined;
  return readVerified(dir, name, state).toString('utf8');
}

/**
 * Only the checkpoint's state.json (small): enough to ask whether a stage finished, without reading
 * weights or optimizer state.
 *
 *   readCheckpointState('runs/full/sft').extra?.done → true
 */
export function readCheckpointState(root: string): CheckpointState {
  return readStateFile(resolveCheckpointDir(root));
}

function readStateFile(dir: string): CheckpointState {
  const stateFile = path.join(dir, 'state.json');
  let state: CheckpointState;
  try {
    state = JSON.parse(readFile(stateFile).toString('utf8'));
  } catch (e) {
    if (e instanceof GptLabError) throw e;
    throw new GptLabError(`${stateFile} is not valid JSON (${(e as Error).message}); ` +
      'the checkpoint is corrupt or truncated');
  }
  assert(state !== null && state.format === CHECKPOINT_FORMAT,
    () => `${stateFile} is not a gpt-lab checkpoint (format ${JSON.stringify(state?.format)})`);
  assert(state.version === CHECKPOINT_VERSION,
    () => `${stateFile} has version ${state.version}; this gpt-lab reads version ${CHECKPOINT_VERSION}`);
  const damaged = 'the checkpoint is damaged or was not written whole by gpt-lab: restore it from a copy, ' +
    'or train again in a new directory';
  assert(state.config !== null && typeof state.config === 'object' && !Array.isArray(state.config),
    () => `${stateFile} has no model config ('config' is ${JSON.stringify(state.config)}); ${damaged}`);
  assert(Number.isSafeInteger(state.step) && state.step >= 0,
    () => `${stateFile} has step ${JSON.stringify(state.step)}, not a step count; ${damaged}`);
  const sums = state.sha256;
  assert(sums === undefined ||
    (sums !== null && typeof sums === 'object' && Object.values(sums).every((h) => typeof h === 'string')),
    () => `${stateFile} has a malformed 'sha256' table; ${damaged}`);
  return state;
}

/**
 * Reads and checks a checkpoint (root with latest.json, or a step directory). The optimizer's moments
 * are read too unless opts.optimizer is false (a finished model to use, not to train on).
 *
 *   loadCheckpoint('out/baby') → { dir: 'out/baby/step-000500', state, weights, optimizer }
 */
export function loadCheckpoint(root: string, opts: { optimizer?: boolean } = {}): Checkpoint {
  const dir = resolveCheckpointDir(root);
  const state = readStateFile(dir);
  const config = checkConfig(state.config);
  const weightsFile = path.join(dir, 'model.safetensors');
  const weights = decodeSafetensors(readVerified(dir, 'model.safetensors', state), weightsFile).tensors;
  checkFiniteWeights(weightsFile, weights);
  for (const spec of paramSpecs(config)) {
    const w = weights.get(spec.name);
    assert(w !== undefined,
      () => `${dir}/model.safetensors lacks ${spec.name}; it does not match the config in state.json`);
    assert(w.shape.join(',') === spec.shape.join(','),
      () => `${dir}/model.safetensors: ${spec.name} has shape [${w.shape}], the config needs [${spec.shape}]`);
  }
  let optimizer: Checkpoint['optimizer'];
  const optFile = path.join(dir, 'optimizer.safetensors');
  if (opts.optimizer !== false && (fs.existsSync(optFile) || state.sha256?.['optimizer.safetensors'] !== undefined)) {
    const f = decodeSafetensors(readVerified(dir, 'optimizer.safetensors', state), optFile);
    const m = new Map<string, NamedArray>();
    const v = new Map<string, NamedArray>();
    for (const spec of paramSpecs(config)) {
      const mm = f.tensors.get(`m.${spec.name}`);
      const vv = f.tensors.get(`v.${spec.name}`);
      assert(mm !== undefined && vv !== undefined, () => `${optFile} lacks the moments of ${spec.name}`);
      m.set(spec.name, mm);
      v.set(spec.name, vv);
    }
    optimizer = { step: Number(f.metadata.step ?? state.step), m, v };
  }
  return { dir, state: { ...state, config }, weights, optimizer };
}

/**
 * The error for a loss that is already NaN or infinite at the first step after loading a checkpoint. That
 * loss comes from the loaded weights before any update, so the learning rate cannot be the cause.
 *
 *   damagedCheckpointError('the training loss', NaN, { dir: 'out/step-000500', step: 500 })
 */
export function damagedCheckpointError(
  what: string, loss: number, from: { dir: string; step: number },
): GptLabError {
  return new GptLabError(`${what} is already ${loss} at the first step after loading the checkpoint ${from.dir} ` +
    `(step ${from.step}), before any update: the checkpoint is damaged (its weights overflow), ` +
    'not the learning rate. Restore it from a copy, or train again in a new directory');
}

/** A fresh model holding a checkpoint's weights. */
export function modelFromCheckpoint(ckpt: Checkpoint): GPT {
  const byName = new Map<string, tf.Variable>();
  for (const spec of paramSpecs(ckpt.state.config)) {
    const w = ckpt.weights.get(spec.name)!;
    const t = tf.tensor(w.data, w.shape, 'float32');
    byName.set(spec.name, tf.variable(t, true));
    t.dispose();
  }
  return new GPT(ckpt.state.config, groupParams(ckpt.state.config, byName));
}

/**
 * Resumes training state in place: a checkpoint's weights into a model of the same config, its
 * moments into the optimizer; returns the step to continue from. Every trainer (pretraining, SFT)
 * resumes through here.
 */
export function restoreTraining(model: GPT, optimizer: AdamW, ckpt: Checkpoint): number {
  const c = ckpt.state.config;
  const m = model.config;
  const same = (Object.keys(m) as (keyof typeof m)[]).every((k) => c[k] === m[k]);
  assert(same,
    () => `the checkpoint's model config ${JSON.stringify(c)} differs from this model's ${JSON.stringify(m)}`);
  for (const [name, v] of model.params.byName) {
    const w = ckpt.weights.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(w.data, w.shape, 'float32')));
  }
  restoreOptimizer(optimizer, ckpt);
  return ckpt.state.step;
}

/** Copies a checkpoint's moments and step into an optimizer built for the same model. */
export function restoreOptimizer(optimizer: AdamW, ckpt: Checkpoint): void {
  assert(ckpt.optimizer !== undefined,
    () => `${ckpt.dir} holds no optimizer state (optimizer.safetensors); it cannot resume training exactly`);
  for (const [name, m] of optimizer.m) {
    const a = ckpt.optimizer.m.get(name)!;
    const b = ckpt.optimizer.v.get(name)!;
    tf.tidy(() => {
      m.assign(tf.tensor(a.data, a.shape, 'float32'));
      optimizer.v.get(name)!.assign(tf.tensor(b.data, b.shape, 'float32'));
    });
  }
  optimizer.step = ckpt.optimizer.step;
}
