// The GPT's shape: a typed config, named presets, and the arithmetic that follows from it
// (parameter count, FLOPs per token).
//
// Names follow nanoGPT's GPTConfig (nLayer, nHead, nEmbd, blockSize) so the two read side by side.
// vocabSize is not part of a preset: it comes from the data (65 for char-level Tiny Shakespeare).
// Left out: the model itself (gpt.ts) and training settings (src/train/).

import { assert } from '../util/assert';

/** Everything that fixes the model's shape and its randomness. */
export interface GPTConfig {
  /** Number of token ids the model reads and predicts (from the tokenizer / vocabulary). */
  vocabSize: number;
  /** The longest context, in tokens: the number of position embeddings. */
  blockSize: number;
  /** Number of transformer blocks. */
  nLayer: number;
  /** Attention heads per block; each has nEmbd / nHead dimensions. */
  nHead: number;
  /** Width of the residual stream (the embedding size). */
  nEmbd: number;
  /** Dropout rate on attention weights and residual branches while training; 0 turns it off. */
  dropout: number;
  /** Seeds the weight init, so one seed always gives the same starting model. */
  seed: number;
  /**
   * Biases in the Linear layers and LayerNorms (GPT-2 has them; nanoGPT trains without, a little
   * better and faster). Absent means true, so checkpoints written before this field load unchanged.
   */
  bias?: boolean;
}

/** The presets, smallest first. */
export const PRESET_NAMES = ['tiny', 'baby', 'shakespeare-char'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

/** A preset: every field but vocabSize, which the data sets. */
export type Preset = Omit<GPTConfig, 'vocabSize'>;

export const PRESETS: Record<PresetName, Preset> = {
  // Tests and CI: a few thousand parameters, a step in milliseconds.
  tiny: { nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8, dropout: 0, seed: 1337 },
  // nanoGPT's "baby GPT" for a laptop CPU (config/train_shakespeare_char.py with the CPU overrides).
  baby: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, dropout: 0, seed: 1337, bias: false },
  // nanoGPT's shakespeare-char GPU config: about 10.7M parameters.
  'shakespeare-char': { nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, dropout: 0.2, seed: 1337, bias: false },
};

/** Checks a preset name from the user. */
export function parsePresetName(value: string, source: string): PresetName {
  assert((PRESET_NAMES as readonly string[]).includes(value),
    () => `${source}='${value}' is not a preset; valid names: ${PRESET_NAMES.join(', ')}`);
  return value as PresetName;
}

function positiveInt(name: string, v: number): void {
  assert(Number.isSafeInteger(v) && v > 0, () => `${name} (${v}) must be a positive integer`);
}

/**
 * A checked config: a preset (or explicit fields) plus overrides; vocabSize is required.
 *
 *   makeConfig('tiny', { vocabSize: 11 })
 *     → { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0, seed: 1337 }
 *   makeConfig('tiny', { vocabSize: 11, nHead: 3 }) throws: nEmbd (16) must be divisible by nHead (3)
 */
export function makeConfig(preset: PresetName, overrides: Partial<GPTConfig> & { vocabSize: number }): GPTConfig {
  const c: GPTConfig = { ...PRESETS[preset], ...overrides };
  return checkConfig(c);
}

/** Checks every field of a config (e.g. one read from a checkpoint) and returns it. */
export function checkConfig(c: GPTConfig): GPTConfig {
  positiveInt('vocabSize', c.vocabSize);
  positiveInt('blockSize', c.blockSize);
  positiveInt('nLayer', c.nLayer);
  positiveInt('nHead', c.nHead);
  positiveInt('nEmbd', c.nEmbd);
  assert(c.nEmbd % c.nHead === 0, () => `nEmbd (${c.nEmbd}) must be divisible by nHead (${c.nHead})`);
  assert(c.dropout >= 0 && c.dropout < 1, () => `dropout (${c.dropout}) must be in [0, 1)`);
  assert(Number.isSafeInteger(c.seed), () => `seed (${c.seed}) must be an integer`);
  assert(c.bias === undefined || typeof c.bias === 'boolean',
    () => `bias (${JSON.stringify(c.bias)}) must be true or false`);
  return c;
}

/** Parameter counts, split as nanoGPT reports them. */
export interface ParamCount {
  /** Every parameter (the LM head is tied to wte, so it adds none). */
  total: number;
  /** Without the position embeddings: nanoGPT's get_num_params(non_embedding=True). */
  nonEmbedding: number;
  /** Per block. */
  perBlock: number;
}

/**
 * Parameters of a config. With C = nEmbd, V = vocabSize, T = blockSize, L = nLayer:
 *   wte V·C + wpe T·C + L · (ln_1 2C + c_attn 3C²+3C + c_proj C²+C + ln_2 2C + c_fc 4C²+4C + mlp.c_proj 4C²+C)
 *   + ln_f 2C  =  V·C + T·C + L·(12C² + 13C) + 2C
 * Without biases each LayerNorm keeps only its gain and the Linears lose theirs: L·(12C² + 2C) + C.
 *
 *   paramCount(makeConfig('baby', { vocabSize: 65, bias: true })).total → 8,320 + 8,192 + 4·198,272 + 256 = 809,856
 *   paramCount(makeConfig('baby', { vocabSize: 65 })).total (bias false) → 8,320 + 8,192 + 4·196,864 + 128 = 804,096
 */
export function paramCount(c: GPTConfig): ParamCount {
  const C = c.nEmbd;
  const bias = c.bias !== false;
  const perBlock = 12 * C * C + (bias ? 13 : 2) * C;
  const total = c.vocabSize * C + c.blockSize * C + c.nLayer * perBlock + (bias ? 2 : 1) * C;
  return { total, nonEmbedding: total - c.blockSize * C, perBlock };
}

/**
 * Training FLOPs per token, as nanoGPT's estimate_mfu (from the PaLM paper, appendix B):
 *   6N + 12·L·T·C
 * where N is the non-embedding parameter count (every weight does a multiply and an add, forward
 * 2N, backward 4N) and 12·L·T·C is attention's QKᵀ and att·V over a context of T (forward 4·L·T·C,
 * times 3 with the backward pass). Inference costs a third: 2N + 4·L·T·C.
 *
 *   flopsPerToken(baby config with vocab 65) → { train: 6·N + 12·4·64·128, forward: 2·N + 4·4·64·128 }
 */
export function flopsPerToken(c: GPTConfig): { train: number; forward: number } {
  const N = paramCount(c).nonEmbedding;
  const attn = c.nLayer * c.blockSize * c.nEmbd;
  return { train: 6 * N + 12 * attn, forward: 2 * N + 4 * attn };
}
