// Export, part 2: the weights in the two layouts people load GPT-2-shaped models with.
//
// The lab already names its weights as nanoGPT's state_dict does, and keeps a Linear weight as
// [in, out] (x @ W): exactly Hugging Face's GPT-2 layout, whose Conv1D stores [in, out] too. So:
//
//   Hugging Face GPT-2   same names, same layout; lm_head.weight left out (tied to wte, as
//                        save_pretrained leaves it out); every bias present (GPT-2 always has them)
//   nanoGPT              same names; c_attn / c_proj / c_fc weights transposed to nn.Linear's [out, in];
//                        biases only when the config has them
//
// subtle: a model trained with bias: false becomes a Hugging Face model whose biases are all zero,
// which computes the same function (x @ W + 0, LayerNorm(x)·g + 0). Importing marks it bias: false
// again only when the export said so (config.json's gpt_lab.bias) and every bias is still zero.
// Left out: untied heads, weights other than float32.

import { NamedArray, paramSpecs, type GPTConfig } from '../model';
import { assert } from '../util/assert';

/** Whether a weight is an nn.Linear's in nanoGPT (and so stored transposed there). */
export function isLinearWeight(name: string): boolean {
  return /\.(c_attn|c_proj|c_fc)\.weight$/.test(name);
}

/**
 * A 2-D array transposed: [r, c] → [c, r].
 *
 *   transpose2d({ shape: [2, 3], data: [1, 2, 3, 4, 5, 6] }).data → [1, 4, 2, 5, 3, 6]
 */
export function transpose2d(a: NamedArray): NamedArray {
  const [r, c] = a.shape;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a.data[i * c + j];
  return { dtype: 'F32', shape: [c, r], data: out };
}

/** The lab's weights with every bias of the bias-free model added as zeros (HF's GPT-2 has them all). */
export function toHfWeights(config: GPTConfig, weights: Map<string, NamedArray>): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const spec of paramSpecs({ ...config, bias: true })) {
    const w = weights.get(spec.name);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, w ?? { dtype: 'F32', shape: spec.shape, data: new Float32Array(n) });
  }
  return out;
}

/** The lab's weights in nanoGPT's layout: Linear weights transposed to [out, in]. */
export function toNanogptWeights(config: GPTConfig, weights: Map<string, NamedArray>): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const spec of paramSpecs(config)) {
    const w = weights.get(spec.name)!;
    out.set(spec.name, isLinearWeight(spec.name) ? transpose2d(w) : w);
  }
  return out;
}

/** nanoGPT-layout weights back to the lab's (Linear weights to [in, out]). */
export function fromNanogptWeights(weights: Map<string, NamedArray>): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, w] of weights) out.set(name, isLinearWeight(name) && w.shape.length === 2 ? transpose2d(w) : w);
  return out;
}

/** True when every bias in the weights is exactly zero (so dropping them changes nothing). */
export function biasesAllZero(weights: Map<string, NamedArray>): boolean {
  for (const [name, w] of weights) if (name.endsWith('.bias') && w.data.some((x) => x !== 0)) return false;
  return true;
}

/**
 * The weights a lab model of `config` needs, checked by name and shape; `source` names the file.
 * Extra names are an error (a layout gpt-lab does not know), so nothing is silently dropped.
 */
export function pickWeights(
  config: GPTConfig, weights: Map<string, NamedArray>, source: string,
): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  const specs = paramSpecs(config);
  for (const spec of specs) {
    const w = weights.get(spec.name);
    assert(w !== undefined, () => `${source} lacks ${spec.name}, which a GPT of this config needs`);
    assert(w.shape.join(',') === spec.shape.join(','),
      () => `${source}: ${spec.name} has shape [${w.shape}], the config needs [${spec.shape}]`);
    assert(w.dtype === 'F32', () => `${source}: ${spec.name} is ${w.dtype}, expected F32`);
    out.set(spec.name, w);
  }
  const known = new Set(paramSpecs({ ...config, bias: true }).map((s) => s.name));
  for (const name of weights.keys()) {
    assert(known.has(name),
      () => `${source} holds ${name}, which is not a GPT-2 weight gpt-lab knows; it cannot be imported exactly`);
  }
  return out;
}
