// AdamW, written out: per parameter, running means of the gradient (m) and of its square (v), a
// step of lr · m̂ / (sqrt(v̂) + eps), and weight decay applied to the weight itself ("decoupled",
// Loshchilov & Hutter), not added to the gradient.
//
// As nanoGPT: parameters with 2 or more dimensions (matmul weights and the embeddings) decay; biases
// and LayerNorm gains do not. The state (m, v, step) is plain tf.Variables, so checkpoints save it
// and a fused kernel can later replace `update`.
// On cpu and wasm each update is one fused kernel (src/kernels/adamw.ts;
// src/kernels/fused.ts decides; GPTLAB_FUSED=0: the composition below).
// Left out: amsgrad, multi-tensor updates.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { useFused } from '../kernels/fused';
import { AdamWStepScalars, fusedAdamW } from '../kernels/adamw';

/** AdamW's hyperparameters (nanoGPT's defaults for Shakespeare: betas 0.9 / 0.99, decay 0.1). */
export interface AdamWConfig {
  /** Decay of the gradient's running mean. */
  beta1: number;
  /** Decay of the squared gradient's running mean. */
  beta2: number;
  /** Added to sqrt(v̂) so the step stays finite. */
  eps: number;
  /** Weight decay coefficient, applied as w -= lr · weightDecay · w to parameters of rank >= 2. */
  weightDecay: number;
}

export const DEFAULT_ADAMW: AdamWConfig = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 };

/**
 * One AdamW step of one parameter as a composition of tfjs ops: the new [p, m, v] (the reference the
 * fused kernels of src/kernels are checked against).
 *   m' = β1·m + (1-β1)·g,  v' = β2·v + (1-β2)·g²,  p' = p·decay - lr · (m'/bc1) / (sqrt(v'/bc2) + eps)
 */
export function adamwStep(
  p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, s: AdamWStepScalars,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const m1 = tf.add(tf.mul(m, s.beta1), tf.mul(g, 1 - s.beta1)); // shape of p
  const v1 = tf.add(tf.mul(v, s.beta2), tf.mul(tf.square(g), 1 - s.beta2)); // shape of p
  const stepDir = tf.div(tf.div(m1, s.bc1), tf.add(tf.sqrt(tf.div(v1, s.bc2)), s.eps)); // shape of p
  // subtle: decay uses the weight before this step, as PyTorch's AdamW (p *= 1 - lr·wd first).
  const decayed = s.decay === 1 ? p : tf.mul(p, s.decay);
  return [tf.sub(decayed, tf.mul(stepDir, s.lr)), m1, v1];
}

/** Whether a parameter of this shape decays: nanoGPT's rule, rank >= 2. */
export function decays(shape: readonly number[]): boolean {
  return shape.length >= 2;
}

export class AdamW {
  /** Steps taken so far (the t of bias correction). */
  step = 0;
  /** First and second moments, by parameter name. */
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(readonly params: Map<string, tf.Variable>, readonly config: AdamWConfig = DEFAULT_ADAMW) {
    assert(config.beta1 >= 0 && config.beta1 < 1 && config.beta2 >= 0 && config.beta2 < 1,
      () => `betas (${config.beta1}, ${config.beta2}) must be in [0, 1)`);
    // subtle: tf.variable keeps its own copy of the initial value; tidy frees the zeros it came from.
    tf.tidy(() => {
      for (const [name, p] of params) {
        this.m.set(name, tf.variable(tf.zerosLike(p), false));
        this.v.set(name, tf.variable(tf.zerosLike(p), false));
      }
    });
  }

  /**
   * One update with gradients by name at learning rate lr. Gradients are not disposed.
   *
   *   first step, g = 0.1, lr = 0.01, no decay: m̂ = g, v̂ = g², so p -= 0.01 · 0.1 / (0.1 + 1e-8) ≈ 0.01
   */
  update(grads: Map<string, tf.Tensor>, lr: number): void {
    this.step += 1;
    const { beta1, beta2, eps, weightDecay } = this.config;
    const bc1 = 1 - beta1 ** this.step;
    const bc2 = 1 - beta2 ** this.step;
    tf.tidy(() => {
      for (const [name, p] of this.params) {
        const g = grads.get(name);
        assert(g !== undefined, () => `AdamW.update: no gradient for ${name}`);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const decay = decays(p.shape) && weightDecay > 0 ? 1 - lr * weightDecay : 1;
        const s: AdamWStepScalars = { beta1, beta2, bc1, bc2, eps, lr, decay };
        const [p1, m1, v1] = useFused('adamw', p.size) && g.dtype === 'float32'
          ? fusedAdamW(p, m, v, g, s)
          : adamwStep(p, m, v, g, s);
        p.assign(p1);
        m.assign(m1);
        v.assign(v1);
      }
    });
  }

  /** Frees the moment variables. */
  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}
