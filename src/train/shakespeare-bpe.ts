// Tiny Shakespeare at the BPE level: notebook 01's tokenizer, kept on disk for notebook 03.
//
// Notebook 01 trains a BPE on the training part of Tiny Shakespeare and saves it; notebook 03 trains
// a GPT on the ids it gives, beside the char-level model, and compares the two in bits per byte (a
// loss per token is not comparable across tokenizers: a BPE token is several characters). The
// settings live here so both notebooks (and a rerun that finds no file) train the same tokenizer.
//
//   const { tok, path } = await shakespeareTokenizer('full');   // runs/full/tokenizer/shakespeare.json
//   const { data, valTokens, valBytes } = shakespeareBpeData(shakespeare, tok);
//
// `trainAndMeasure` trains one model on either and gives its held-out loss in both units.
//
// Left out: the char-level data (pretrain.ts, shakespeareCharData) and the training loop (trainer.ts).

import * as fs from 'fs';
import * as path from 'path';
import { FetchOptions } from '../data/download';
import { loadShakespeare, Shakespeare, shakespeareStreams } from '../data/shakespeare';
import { Profile } from '../profile';
import { runsRoot } from '../pipeline/table';
import { loadTokenizer, saveTokenizer } from '../tokenizer/io';
import { Tokenizer, train } from '../tokenizer/tokenizer';
import { type MergeEvent } from '../tokenizer/train';
import { GPT, makeConfig, paramCount, PresetName } from '../model';
import { GptLabError } from '../util/assert';
import { bitsPerByte, streamBytes } from './bits-per-byte';
import { StepInfo, TrainConfig, Trainer, TrainData } from './trainer';

/** How notebook 01 trains its Tiny Shakespeare tokenizer. */
export interface ShakespeareBpeSettings {
  /** Train on this many characters of the training split (undefined: all of it). */
  chars: number | undefined;
  /** 256 bytes + merges (GPT-4's split pattern; <|endoftext|> comes after). */
  vocabSize: number;
}

const SETTINGS: Record<Profile, ShakespeareBpeSettings> = {
  ci: { chars: 300_000, vocabSize: 1024 },
  full: { chars: undefined, vocabSize: 8192 },
  workshop: { chars: undefined, vocabSize: 8192 }, // as full: notebook 01 trains it in seconds
};

/** The settings of a profile. */
export function shakespeareBpeSettings(prof: Profile): ShakespeareBpeSettings {
  return SETTINGS[prof];
}

/**
 * Trains the Tiny Shakespeare tokenizer on the training split (the validation tenth stays unseen).
 *
 *   trainShakespeareBpe(shakespeare, shakespeareBpeSettings('ci')).learnedSize → 1024
 */
export function trainShakespeareBpe(
  s: Shakespeare, settings: ShakespeareBpeSettings, onMerge?: (e: MergeEvent) => void,
): Tokenizer {
  const text = settings.chars === undefined ? s.split.train : s.split.train.slice(0, settings.chars);
  return train(text, { vocabSize: settings.vocabSize, onMerge });
}

/**
 * Where a profile's Tiny Shakespeare tokenizer is kept: runs/<profile>/tokenizer/shakespeare.json.
 *
 *   shakespeareTokenizerPath('ci') → <project>/runs/ci/tokenizer/shakespeare.json
 */
export function shakespeareTokenizerPath(prof: Profile): string {
  return path.join(runsRoot(), prof, 'tokenizer', 'shakespeare.json');
}

/** Saves notebook 01's tokenizer where notebook 03 looks; returns the path. */
export function saveShakespeareTokenizer(tok: Tokenizer, prof: Profile): string {
  const file = shakespeareTokenizerPath(prof);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (e) {
    throw new GptLabError(`cannot create ${path.dirname(file)} (${(e as NodeJS.ErrnoException).code}); ` +
      `set GPTLAB_RUNS_DIR to a writable directory`);
  }
  const tmp = `${file}.tmp-${process.pid}`;
  saveTokenizer(tok, tmp);
  fs.renameSync(tmp, file); // atomic: a reader never sees half a file
  return file;
}

/**
 * Notebook 01's tokenizer for a profile: loaded from its file, or trained again (and saved) when
 * the file is missing or was made with other settings.
 */
export async function shakespeareTokenizer(prof: Profile, fetch: FetchOptions = {}):
  Promise<{ tok: Tokenizer; path: string; trained: boolean }> {
  const file = shakespeareTokenizerPath(prof);
  const settings = shakespeareBpeSettings(prof);
  if (fs.existsSync(file)) {
    const tok = loadTokenizer(file);
    if (tok.learnedSize === settings.vocabSize) return { tok, path: file, trained: false };
  }
  const tok = trainShakespeareBpe(await loadShakespeare(fetch), settings);
  return { tok, path: saveShakespeareTokenizer(tok, prof), trained: true };
}

/**
 * Tiny Shakespeare as BPE ids, split where the char-level data splits (the first 90% of the
 * characters train), with the held-out part's tokens and bytes for bits per byte.
 *
 *   shakespeareBpeData(shakespeare, tok) → { data, valTokens: ~30,000, valBytes: 111,540 }  (8192 tokens)
 */
export function shakespeareBpeData(
  s: Shakespeare, tok: Tokenizer,
): { data: TrainData; valTokens: number; valBytes: number } {
  const data = shakespeareStreams(s, (t) => tok.encodeOrdinary(t), tok.vocabSize);
  const valBytes = streamBytes(data.val.tokens, (id) => tok.tokenBytes(id).length);
  return { data, valTokens: data.val.tokens.length, valBytes };
}

/** One model trained and measured on held-out text, for the char vs BPE table. */
export interface LevelResult {
  /** 'char' or 'BPE', as the table shows it. */
  level: string;
  seed: number;
  vocabSize: number;
  parameters: number;
  steps: number;
  /** Bytes of text per token of the held-out part. */
  bytesPerToken: number;
  /** Held-out loss, nats per token (eval batches). */
  valLoss: number;
  /** The same loss per byte of text, in bits: comparable across tokenizers. */
  bitsPerByte: number;
  seconds: number;
}

/** What `trainAndMeasure` takes. */
export interface MeasureOptions {
  /** 'char' or 'BPE'. */
  level: string;
  data: TrainData;
  /** Bytes of the held-out stream (its tokens are data.val.tokens.length). */
  valBytes: number;
  preset: PresetName;
  /** Training settings (trainConfigFor(preset, steps, overrides) gives them in the notebook). */
  train: TrainConfig;
  onStep?: (s: StepInfo) => void;
}

/**
 * Trains a fresh model of `preset` on the data (model init and batches seeded by train.seed) and
 * measures its held-out loss in nats per token and bits per byte. The model is disposed.
 *
 *   await trainAndMeasure({ level: 'BPE', data, valBytes, preset: 'baby', train }) → { bitsPerByte: 2.9, ... }
 */
export async function trainAndMeasure(o: MeasureOptions): Promise<LevelResult> {
  const start = performance.now();
  const config = makeConfig(o.preset, { vocabSize: o.data.train.vocabSize, seed: o.train.seed });
  const model = new GPT(config);
  const trainer = new Trainer(model, o.data, o.train);
  try {
    const last = await trainer.run({ onStep: o.onStep });
    const valTokens = o.data.val.tokens.length;
    return {
      level: o.level, seed: o.train.seed, vocabSize: config.vocabSize, parameters: paramCount(config).total,
      steps: trainer.step, bytesPerToken: o.valBytes / valTokens, valLoss: last.valLoss,
      bitsPerByte: bitsPerByte(last.valLoss, valTokens, o.valBytes),
      seconds: (performance.now() - start) / 1000,
    };
  } finally {
    model.dispose();
    trainer.optimizer.dispose();
  }
}
