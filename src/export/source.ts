// Export, part 4: the lab's side of both directions. A lab checkpoint becomes an ExportSource (weights,
// config, step, optimizer moments, tokenizer); an Imported model (what a Hugging Face or nanoGPT
// directory holds, in the lab's layout) becomes a normal lab checkpoint that `sample`, `sft` and the
// notebooks load.
// A nanoGPT checkpoint brings its AdamW moments and training settings along, so a run that went to
// PyTorch can come back and resume in the lab (`gpt-lab pretrain --out` the imported directory).
// Left out: optimizer state from Hugging Face directories (they keep none).

import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { GPT, groupParams, NamedArray, paramSpecs, type GPTConfig } from '../model';
import { type Checkpoint, type CheckpointState, saveCheckpoint } from '../train/checkpoint';
import { type TrainConfig } from '../train/trainer';
import { AdamW } from '../train/adamw';
import { CHAT_SPECIALS, PRINTABLE_ASCII } from '../data/char-tokenizer';
import { chatCharTokenizer, labTokenizerFile, readLabTokenizerFile, type LabTokenizer } from './tokenizer';

/** What an export needs from a lab checkpoint. */
export interface ExportSource {
  config: GPTConfig;
  /** The lab's layout: nanoGPT's names, Linear weights [in, out]. */
  weights: Map<string, NamedArray>;
  step: number;
  /** The run's seed (with the step it fixes every data batch and dropout mask). */
  seed: number;
  /** AdamW's moments by parameter name, with its step; absent when the checkpoint has none. */
  optimizer?: { step: number; m: Map<string, NamedArray>; v: Map<string, NamedArray> };
  /** The training settings, when the checkpoint's run was a pretraining run (TrainConfig). */
  train?: TrainConfig;
  valLoss?: number;
  tokenizer?: LabTokenizer;
  stage?: string;
  data?: string;
}

/** A model read from another layout, in the lab's layout. */
export interface Imported {
  config: GPTConfig;
  weights: Map<string, NamedArray>;
  step: number;
  tokenizer?: LabTokenizer;
  /** AdamW's moments by parameter name (the lab's layout) and its step, when the source kept them. */
  optimizer?: { step: number; m: Map<string, NamedArray>; v: Map<string, NamedArray> };
  /** The training settings, when the source recorded them (nanoGPT's config). */
  train?: TrainConfig;
  /** What the user should know: differences in the math, things left behind. */
  notes: string[];
  stage?: string;
  data?: string;
}

function isTrainConfig(t: unknown): t is TrainConfig {
  const c = t as Partial<TrainConfig> | undefined;
  return typeof c === 'object' && c !== null && typeof c.batchSize === 'number' && typeof c.schedule === 'object'
    && typeof c.adamw === 'object';
}

/**
 * The tokenizer a checkpoint records: the chat char tokenizer, a BPE saved beside it (tokenizer.json
 * in gpt-lab's format), or a char vocabulary (Tiny Shakespeare); undefined when it records none.
 */
export function checkpointTokenizer(ckpt: Checkpoint): LabTokenizer | undefined {
  if (ckpt.state.tokenizer === 'chat-char') return chatCharTokenizer();
  const file = path.join(ckpt.dir, 'tokenizer.json');
  if (fs.existsSync(file)) return { kind: 'bpe', tokenizer: readLabTokenizerFile(fs.readFileSync(file, 'utf8'), file) };
  if (ckpt.state.vocab !== undefined) return { kind: 'chars', chars: ckpt.state.vocab.chars, specials: [] };
  return undefined;
}

/** A loaded lab checkpoint as an export source. */
export function exportSource(ckpt: Checkpoint): ExportSource {
  const s = ckpt.state;
  return {
    config: s.config, weights: ckpt.weights, step: s.step, seed: s.seed, optimizer: ckpt.optimizer,
    train: isTrainConfig(s.train) ? s.train : undefined, valLoss: s.metrics?.valLoss,
    tokenizer: checkpointTokenizer(ckpt), stage: s.stage, data: s.data,
  };
}

/** How a lab checkpoint records a tokenizer: the state fields and the files beside the weights. */
type TokenizerFields = Pick<CheckpointState, 'vocab' | 'tokenizer'> & { files?: Record<string, string> };

function tokenizerFields(t: LabTokenizer | undefined, notes: string[]): TokenizerFields {
  if (t === undefined) return {};
  if (t.kind === 'bpe') {
    const chat = CHAT_SPECIALS.every((name) => t.tokenizer.specialTokens.has(name));
    return { tokenizer: chat ? 'chat-bpe' : undefined, files: { 'tokenizer.json': labTokenizerFile(t.tokenizer) } };
  }
  const chatChars = t.chars.join('') === PRINTABLE_ASCII && t.specials.join('\n') === CHAT_SPECIALS.join('\n');
  if (chatChars) return { tokenizer: 'chat-char' };
  if (t.specials.length === 0) return { vocab: { chars: [...t.chars] } };
  notes.push(`the char tokenizer has special tokens (${t.specials.join(', ')}) other than the lab's chat ones; ` +
    'the checkpoint records no tokenizer');
  return {};
}

/** An AdamW for model holding imported moments. */
function optimizerOf(model: GPT, o: NonNullable<Imported['optimizer']>, train?: TrainConfig): AdamW {
  const opt = new AdamW(model.params.byName, train?.adamw);
  for (const [name, m] of opt.m) {
    const a = o.m.get(name)!;
    const b = o.v.get(name)!;
    tf.tidy(() => {
      m.assign(tf.tensor(a.data, a.shape, 'float32'));
      opt.v.get(name)!.assign(tf.tensor(b.data, b.shape, 'float32'));
    });
  }
  opt.step = o.step;
  return opt;
}

/**
 * Saves an imported model as a lab checkpoint under root (a step directory and latest.json, as
 * training writes); returns the step directory.
 */
export function saveImported(root: string, m: Imported, from: string): string {
  const byName = new Map<string, tf.Variable>();
  for (const spec of paramSpecs(m.config)) {
    const w = m.weights.get(spec.name)!;
    byName.set(spec.name, tf.tidy(() => tf.variable(tf.tensor(w.data, w.shape, 'float32'), false)));
  }
  const model = new GPT(m.config, groupParams(m.config, byName));
  const opt = m.optimizer === undefined ? undefined : optimizerOf(model, m.optimizer, m.train);
  try {
    const { files, ...tok } = tokenizerFields(m.tokenizer, m.notes);
    const stage = ['base', 'sft', 'reward', 'rlhf', 'dpo'].includes(m.stage ?? '')
      ? m.stage as CheckpointState['stage'] : undefined;
    return saveCheckpoint(root, {
      step: m.step, config: m.config, train: m.train, seed: m.train?.seed ?? m.config.seed, ...tok, files, stage,
      data: m.data,
      extra: { importedFrom: from },
    }, model, opt);
  } finally {
    opt?.m.forEach((t) => t.dispose());
    opt?.v.forEach((t) => t.dispose());
    model.dispose();
  }
}
