// One optimizer step on the policy, shared by PPO, GRPO and DPO: gradients of a loss with respect to
// every policy weight, clipped by global norm, then AdamW. The reference model is never passed here,
// so it stays frozen.
// Left out: gradient accumulation (RL batches here are small enough for one pass).

import * as tf from '@tensorflow/tfjs';
import { GPT } from '../model';
import { AdamW, clipByGlobalNorm } from '../train';

/** What one update measured. */
export interface UpdateInfo {
  /** The loss before the step. */
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/**
 * Minimizes `lossFn` (a scalar built from the policy's weights) by one AdamW step at lr, clipping the
 * gradient to gradClip (0: no clipping). Extra scalars that lossFn returns in `aux` are read back.
 *
 *   optimizerStep(policy, opt, () => ({ loss: policy.loss(x, y) }), 1e-4, 1) → { loss: 4.6, gradNorm: 0.8, aux: {} }
 */
export function optimizerStep(policy: GPT, opt: AdamW, lossFn: () => { loss: tf.Scalar; aux?: Record<string, tf.Scalar> },
  lr: number, gradClip: number): UpdateInfo & { aux: Record<string, number> } {
  const named = [...policy.params.byName];
  const vars = named.map(([, v]) => v);
  let aux: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const out = lossFn();
    aux = Object.fromEntries(Object.entries(out.aux ?? {}).map(([k, t]) => [k, tf.keep(t)]));
    return out.loss;
  }, vars);
  const g = vars.map((v) => grads[v.name]);
  const clipped = gradClip > 0 ? clipByGlobalNorm(g, gradClip) : { grads: g, norm: tf.tidy(() => tf.sqrt(tf.addN(g.map((x) => tf.sum(tf.square(x))))) as tf.Scalar) };
  opt.update(new Map(named.map(([name], i) => [name, clipped.grads[i]])), lr);
  const info = { loss: value.dataSync()[0], gradNorm: clipped.norm.dataSync()[0], aux: Object.fromEntries(Object.entries(aux).map(([k, t]) => [k, t.dataSync()[0]])) };
  tf.dispose([value, ...g, clipped.norm, ...Object.values(aux)]);
  if (gradClip > 0) tf.dispose(clipped.grads);
  return info;
}
