// LoRA: train small pieces, the rest frozen. Each adapted weight W [in, out] gets a low-rank update
//
//   W x  →  x @ W + (alpha / r) · (x @ A) @ B,     A [in, r] small random, B [r, out] zeros
//
// so at the start the model is exactly the base (B = 0), and training moves only r·(in + out) numbers
// per weight instead of in·out. The forward pass applies the update through the model's one hook
// (linear() in src/model/linear.ts, fed by BlockParams.lora); merging writes W + scale · A @ B into a
// plain model that runs at the base's speed.
//
//   const ad = createAdapters(base.config, { rank: 4, alpha: 8, targets: ['attn', 'attnProj'], seed: 1 });
//   const model = withAdapters(base, ad);            // shares base's weights: dispose base and ad, not model
//   optimizerStep(ad.byName, new AdamW(ad.byName), [() => model.loss(x, y)], { lr: 1e-3, gradClip: 1 });
//
// Left out: dropout on the adapter path, per-target ranks, LoRA on the embeddings.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { Rng, hashSeed, hashString } from '../data/rng';
import { BlockLora, GPT, GPTConfig, groupParams, normalArray, paramCount } from '../model';

/** The weights LoRA can adapt, by their role in a block. */
export const LORA_TARGETS = ['attn', 'attnProj', 'fc', 'mlpProj'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

/** Where each target sits in a block (nanoGPT's module names) and its [in, out] in units of nEmbd. */
const TARGET_INFO: Record<LoraTarget,
  { module: string; weight: 'attnW' | 'attnProjW' | 'fcW' | 'mlpProjW'; in: number; out: number }> = {
  attn: { module: 'attn.c_attn', weight: 'attnW', in: 1, out: 3 },
  attnProj: { module: 'attn.c_proj', weight: 'attnProjW', in: 1, out: 1 },
  fc: { module: 'mlp.c_fc', weight: 'fcW', in: 1, out: 4 },
  mlpProj: { module: 'mlp.c_proj', weight: 'mlpProjW', in: 4, out: 1 },
};

/** How the adapters are shaped and started. */
export interface LoraConfig {
  /** r: the width of the bottleneck. */
  rank: number;
  /** The update is scaled by alpha / rank, so changing the rank keeps the step size comparable. */
  alpha: number;
  /** Which weights of every block get an adapter (attention's by default in the paper). */
  targets: LoraTarget[];
  /** Seeds A's init. */
  seed: number;
}

/** The adapters of a whole model: variables by name (for the optimizer and the file), and by block. */
export interface LoraAdapters {
  config: LoraConfig;
  /** 'transformer.h.0.attn.c_attn.lora_A' → [in, r], '... .lora_B' → [r, out]; in block, target, A-then-B order. */
  byName: Map<string, tf.Variable>;
  blocks: BlockLora[];
}

/** Checks a LoRA config; returns it. */
export function checkLoraConfig(c: LoraConfig): LoraConfig {
  assert(Number.isInteger(c.rank) && c.rank >= 1, () => `LoRA rank (${c.rank}) must be a whole number ≥ 1`);
  assert(Number.isFinite(c.alpha) && c.alpha > 0, () => `LoRA alpha (${c.alpha}) must be positive`);
  assert(c.targets.length > 0, () => `LoRA targets are empty; pick from ${LORA_TARGETS.join(', ')}`);
  for (const t of c.targets) {
    assert((LORA_TARGETS as readonly string[]).includes(t),
      () => `LoRA target '${t}' is unknown; pick from ${LORA_TARGETS.join(', ')}`);
  }
  assert(new Set(c.targets).size === c.targets.length, () => `LoRA targets list one twice: ${c.targets.join(', ')}`);
  return c;
}

/** [in, out] of a target's weight. */
export function targetShape(c: GPTConfig, t: LoraTarget): [number, number] {
  return [TARGET_INFO[t].in * c.nEmbd, TARGET_INFO[t].out * c.nEmbd];
}

/**
 * Trainable parameters of the adapters: nLayer · Σ over targets of r · (in + out).
 *
 *   loraParamCount(tiny config (C 16, 2 layers), rank 2 on attn, attnProj) → 2 · (2·(16+48) + 2·(16+16)) = 384
 */
export function loraParamCount(c: GPTConfig, lora: Pick<LoraConfig, 'rank' | 'targets'>): number {
  return c.nLayer * lora.targets.reduce((sum, t) => {
    const [i, o] = targetShape(c, t);
    return sum + lora.rank * (i + o);
  }, 0);
}

/**
 * AdamW's state for n trainable float32 parameters: two moments of 4 bytes each. Gradients (4 more
 * bytes each) live only during a step.
 *
 *   adamwStateBytes(384) → 3072
 */
export function adamwStateBytes(trainable: number): number {
  return 2 * 4 * trainable;
}

/**
 * What fine-tuning trains: LoRA's adapters, or (no LoRA config) every weight of the model.
 *
 *   trainableCounts(tiny config, rank 2 attention)
 *     → { trainable: 384, fraction: 384 / 6,896 ≈ 5.6%, adamwBytes: 3,072, ... }
 */
export function trainableCounts(
  c: GPTConfig, lora?: Pick<LoraConfig, 'rank' | 'targets'>,
): { trainable: number; total: number; fraction: number; adamwBytes: number } {
  const base = paramCount(c).total;
  const trainable = lora === undefined ? base : loraParamCount(c, lora);
  return {
    trainable, total: lora === undefined ? base : base + trainable, fraction: trainable / base,
    adamwBytes: adamwStateBytes(trainable),
  };
}

/** The adapter names of a block's target. */
export function adapterNames(layer: number, t: LoraTarget): { a: string; b: string } {
  const p = `transformer.h.${layer}.${TARGET_INFO[t].module}`;
  return { a: `${p}.lora_A`, b: `${p}.lora_B` };
}

/**
 * Fresh adapters for a model config: A ~ N(0, 1/in) (seeded per name, so a seed reproduces them), B = 0.
 *
 *   createAdapters(tiny config, { rank: 2, alpha: 4, targets: ['attn'], seed: 1 }).byName.size
 *     → 4  (A and B, 2 layers)
 */
export function createAdapters(c: GPTConfig, config: LoraConfig): LoraAdapters {
  checkLoraConfig(config);
  const values = new Map<string, { shape: [number, number]; data: Float32Array }>();
  for (let i = 0; i < c.nLayer; i++) {
    for (const t of config.targets) {
      const [inDim, outDim] = targetShape(c, t);
      const { a, b } = adapterNames(i, t);
      const rng = new Rng(hashSeed(config.seed, hashString(a)));
      values.set(a, { shape: [inDim, config.rank], data: normalArray(inDim * config.rank, 1 / Math.sqrt(inDim), rng) });
      values.set(b, { shape: [config.rank, outDim], data: new Float32Array(config.rank * outDim) });
    }
  }
  return adaptersFromValues(c, config, values);
}

/** Builds adapters (variables) from plain values, checking every shape against the model config. */
export function adaptersFromValues(
  c: GPTConfig, config: LoraConfig, values: Map<string, { shape: number[]; data: Float32Array }>,
): LoraAdapters {
  checkLoraConfig(config);
  const byName = new Map<string, tf.Variable>();
  const blocks: BlockLora[] = [];
  const scale = config.alpha / config.rank;
  for (let i = 0; i < c.nLayer; i++) {
    const block: BlockLora = {};
    for (const t of config.targets) {
      const [inDim, outDim] = targetShape(c, t);
      const names = adapterNames(i, t);
      const pair = (['a', 'b'] as const).map((k) => {
        const want = k === 'a' ? [inDim, config.rank] : [config.rank, outDim];
        const v = values.get(names[k]);
        assert(v !== undefined, () => `adapter ${names[k]} is missing; the adapters do not match a ${c.nLayer}-layer ` +
          `model with targets ${config.targets.join(', ')}`);
        assert(v.shape.length === 2 && v.shape[0] === want[0] && v.shape[1] === want[1],
          () => `adapter ${names[k]} has shape [${v.shape}] but this model (nEmbd ${c.nEmbd}, rank ${config.rank}) ` +
            `needs [${want}]`);
        // subtle: no variable name: tfjs names are global, and two adapter sets (two ranks) may coexist.
        const init = tf.tensor2d(v.data, want as [number, number]);
        const variable = tf.variable(init, true);
        init.dispose();
        byName.set(names[k], variable);
        return variable;
      });
      block[t] = { a: pair[0], b: pair[1], scale };
    }
    blocks.push(block);
  }
  return { config, byName, blocks };
}

/**
 * Freezes a model's weights (tf.Variable.trainable = false), so only the adapters get gradients from
 * tf.variableGrads and tf.grads over trainable variables.
 *
 *   freeze(base); base.variables().every((v) => !v.trainable) → true
 */
export function freeze(model: GPT): void {
  for (const v of model.variables()) v.trainable = false;
}

/**
 * The base model with adapters in its forward pass. It shares the base's variables (its variables()
 * are the base's, frozen here): dispose the base and the adapters, never this view.
 *
 *   withAdapters(base, fresh adapters).forward(idx) → the same logits as base.forward(idx) (B = 0)
 */
export function withAdapters(base: GPT, adapters: LoraAdapters): GPT {
  assert(adapters.blocks.length === base.config.nLayer,
    () => `adapters for ${adapters.blocks.length} layers do not fit a ${base.config.nLayer}-layer model`);
  freeze(base);
  const blocks = base.params.blocks.map((b, i) => ({ ...b, lora: adapters.blocks[i] }));
  return new GPT(base.config, { ...base.params, blocks });
}

/**
 * A plain model with W + (alpha / r) · A @ B written into copies of the adapted weights: the same
 * outputs as withAdapters (within float rounding), at the base's speed. The result owns its variables.
 *
 *   mergeAdapters(base, ad).forward(idx) ≈ withAdapters(base, ad).forward(idx)  (within 1e-5)
 */
export function mergeAdapters(base: GPT, adapters: LoraAdapters): GPT {
  const c = base.config;
  const byName = new Map<string, tf.Variable>();
  tf.tidy(() => {
    const merged = new Map<string, tf.Tensor>();
    for (let i = 0; i < c.nLayer; i++) {
      for (const t of adapters.config.targets) {
        const d = adapters.blocks[i][t]!;
        const w = base.params.blocks[i][TARGET_INFO[t].weight];
        merged.set(`transformer.h.${i}.${TARGET_INFO[t].module}.weight`,
          tf.add(w, tf.mul(tf.matMul(d.a, d.b), d.scale))); // [in, out]
      }
    }
    for (const [name, v] of base.params.byName) {
      byName.set(name, tf.variable(merged.get(name) ?? v, true, undefined, 'float32'));
    }
  });
  return new GPT(c, groupParams(c, byName));
}

/** Frees the adapters' variables. */
export function disposeAdapters(adapters: LoraAdapters): void {
  for (const v of adapters.byName.values()) v.dispose();
}
