// The GPT's weights: named tf.Variables that gpt-lab owns, created with GPT-2's init.
//
// Names follow nanoGPT's state_dict ('transformer.h.0.attn.c_attn.weight'), so a reader can match them
// line by line. subtle: a Linear weight here is [in, out] (x @ W), the transpose of PyTorch's
// [out, in]; converting a PyTorch checkpoint means transposing every 2-D Linear weight (not wte/wpe).
// The init draws from our own seeded Rng (Box-Muller), not tf.randomNormal, so a seed gives the
// same model on every backend.
// Left out: the forward pass (gpt.ts) and optimizer state (src/train/adamw.ts).

import * as tf from '@tensorflow/tfjs';
import { Rng, hashSeed, hashString } from '../data/rng';
import { GPTConfig } from './config';
import type { LowRank } from './linear';

/** How one parameter starts. */
export type InitKind = 'normal' | 'residual' | 'zeros' | 'ones';

/** One parameter's name, shape and init. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: InitKind;
}

/** The weights of one block, by role (the Variables of GPTParams.byName). */
export interface BlockParams {
  // every bias (the ...B fields) is absent when the config has bias: false
  ln1g: tf.Variable; ln1b?: tf.Variable;
  attnW: tf.Variable; attnB?: tf.Variable; // c_attn: [C, 3C], [3C]
  attnProjW: tf.Variable; attnProjB?: tf.Variable; // attn.c_proj: [C, C], [C]
  ln2g: tf.Variable; ln2b?: tf.Variable;
  fcW: tf.Variable; fcB?: tf.Variable; // mlp.c_fc: [C, 4C], [4C]
  mlpProjW: tf.Variable; mlpProjB?: tf.Variable; // mlp.c_proj: [4C, C], [C]
  /** Low-rank adapters on the block's Linear weights (src/lora/); absent for a plain model. */
  lora?: BlockLora;
}

/** LoRA's updates of one block, by the weight they adapt. */
export interface BlockLora {
  attn?: LowRank; // on c_attn
  attnProj?: LowRank; // on attn.c_proj
  fc?: LowRank; // on mlp.c_fc
  mlpProj?: LowRank; // on mlp.c_proj
}

/** All weights: by name (for the optimizer and checkpoints) and by role (for the forward pass). */
export interface GPTParams {
  /** In creation order, which is also the checkpoint order. */
  byName: Map<string, tf.Variable>;
  wte: tf.Variable; // [V, C], also the LM head (tied)
  wpe: tf.Variable; // [T, C]
  blocks: BlockParams[];
  lnfg: tf.Variable; lnfb?: tf.Variable; // [C]; lnfb absent without biases
}

/**
 * Names, shapes and inits of every parameter, in order.
 *
 *   paramSpecs(tiny config, vocab 11)[0] → { name: 'transformer.wte.weight', shape: [11, 16], init: 'normal' }
 */
export function paramSpecs(c: GPTConfig): ParamSpec[] {
  const C = c.nEmbd;
  const specs: ParamSpec[] = [
    { name: 'transformer.wte.weight', shape: [c.vocabSize, C], init: 'normal' },
    { name: 'transformer.wpe.weight', shape: [c.blockSize, C], init: 'normal' },
  ];
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}`;
    specs.push(
      { name: `${p}.ln_1.weight`, shape: [C], init: 'ones' },
      { name: `${p}.ln_1.bias`, shape: [C], init: 'zeros' },
      { name: `${p}.attn.c_attn.weight`, shape: [C, 3 * C], init: 'normal' },
      { name: `${p}.attn.c_attn.bias`, shape: [3 * C], init: 'zeros' },
      { name: `${p}.attn.c_proj.weight`, shape: [C, C], init: 'residual' },
      { name: `${p}.attn.c_proj.bias`, shape: [C], init: 'zeros' },
      { name: `${p}.ln_2.weight`, shape: [C], init: 'ones' },
      { name: `${p}.ln_2.bias`, shape: [C], init: 'zeros' },
      { name: `${p}.mlp.c_fc.weight`, shape: [C, 4 * C], init: 'normal' },
      { name: `${p}.mlp.c_fc.bias`, shape: [4 * C], init: 'zeros' },
      { name: `${p}.mlp.c_proj.weight`, shape: [4 * C, C], init: 'residual' },
      { name: `${p}.mlp.c_proj.bias`, shape: [C], init: 'zeros' },
    );
  }
  specs.push(
    { name: 'transformer.ln_f.weight', shape: [C], init: 'ones' },
    { name: 'transformer.ln_f.bias', shape: [C], init: 'zeros' },
  );
  // nanoGPT's bias=False: the same list without the biases (LayerNorms keep their gains).
  return c.bias === false ? specs.filter((s) => !s.name.endsWith('.bias')) : specs;
}

/**
 * GPT-2's init std for a parameter: 0.02, and 0.02 / sqrt(2 · nLayer) for the projections that
 * write into the residual stream (each block adds two, so the stream's variance stays put).
 *
 *   initStd('residual', 4) → 0.02 / sqrt(8) ≈ 0.00707
 */
export function initStd(kind: InitKind, nLayer: number): number {
  return kind === 'normal' ? 0.02 : kind === 'residual' ? 0.02 / Math.sqrt(2 * nLayer) : 0;
}

/**
 * n draws from N(0, std²), Box-Muller on a seeded Rng.
 *
 *   normalArray(4, 0.02, new Rng(1)) → Float32Array of 4 values, the same for the same seed
 */
export function normalArray(n: number, std: number, rng: Rng): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    // subtle: 1 - next() lies in (0, 1], so the log never sees 0.
    const r = Math.sqrt(-2 * Math.log(1 - rng.next())) * std;
    const theta = 2 * Math.PI * rng.next();
    out[i] = r * Math.cos(theta);
    if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
  }
  return out;
}

/** The starting values of one parameter; each parameter draws from its own (seed, name) stream. */
export function initValues(spec: ParamSpec, c: GPTConfig): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.init === 'zeros') return new Float32Array(n);
  if (spec.init === 'ones') return new Float32Array(n).fill(1);
  return normalArray(n, initStd(spec.init, c.nLayer), new Rng(hashSeed(c.seed, hashString(spec.name))));
}

/** Groups variables (by name) into the roles the forward pass uses. */
export function groupParams(c: GPTConfig, byName: Map<string, tf.Variable>): GPTParams {
  const get = (name: string) => {
    const v = byName.get(name);
    if (v === undefined) throw new Error(`internal: parameter ${name} is missing`);
    return v;
  };
  const bias = (name: string) => (c.bias === false ? undefined : get(name));
  const blocks: BlockParams[] = [];
  for (let i = 0; i < c.nLayer; i++) {
    const p = `transformer.h.${i}`;
    blocks.push({
      ln1g: get(`${p}.ln_1.weight`), ln1b: bias(`${p}.ln_1.bias`),
      attnW: get(`${p}.attn.c_attn.weight`), attnB: bias(`${p}.attn.c_attn.bias`),
      attnProjW: get(`${p}.attn.c_proj.weight`), attnProjB: bias(`${p}.attn.c_proj.bias`),
      ln2g: get(`${p}.ln_2.weight`), ln2b: bias(`${p}.ln_2.bias`),
      fcW: get(`${p}.mlp.c_fc.weight`), fcB: bias(`${p}.mlp.c_fc.bias`),
      mlpProjW: get(`${p}.mlp.c_proj.weight`), mlpProjB: bias(`${p}.mlp.c_proj.bias`),
    });
  }
  return {
    byName, blocks,
    wte: get('transformer.wte.weight'), wpe: get('transformer.wpe.weight'),
    lnfg: get('transformer.ln_f.weight'), lnfb: bias('transformer.ln_f.bias'),
  };
}

/**
 * Fresh, trainable variables with GPT-2's init (normal 0.02, residual projections scaled, biases 0,
 * LayerNorm gains 1).
 *
 *   initParams(makeConfig('tiny', { vocabSize: 11 })).byName.size → 2 + 2·12 + 2 = 28
 */
export function initParams(c: GPTConfig): GPTParams {
  const byName = new Map<string, tf.Variable>();
  for (const spec of paramSpecs(c)) {
    const t = tf.tensor(initValues(spec, c), spec.shape, 'float32');
    byName.set(spec.name, tf.variable(t, true, undefined, 'float32'));
    t.dispose();
  }
  return groupParams(c, byName);
}
