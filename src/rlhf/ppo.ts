// RLHF, step 2: the objectives that turn rewards into a gradient.
//
// The policy πθ sampled a reply; the reward model gave it a score r. RL pushes up the log-probability
// of replies with a high *advantage* A (reward minus a baseline: how much better than usual the reply
// was), and down for a negative one. Three pieces, each a small function:
//
//   - advantages: GRPO's group-relative A = (r - mean of the G replies to the same prompt) / their
//     std, or PPO-style whitening over the whole batch;
//   - the clipped surrogate (PPO): with ratio ρ = πθ(token) / π_old(token), maximize
//     min(ρ·A, clip(ρ, 1-ε, 1+ε)·A), so one batch of samples cannot push the policy too far;
//   - the KL penalty to the frozen SFT model (π_ref), which keeps the policy writing the kind of text
//     the reward model was trained on. Two estimators of KL(π‖π_ref) from sampled tokens:
//       k1 = log π - log π_ref                 (unbiased; InstructGPT subtracts β·Σk1 from the reward)
//       k3 = exp(log π_ref - log π) - (log π_ref - log π) - 1
//                                              (≥ 0, low variance; GRPO adds β·k3 to the loss)
//     subtle: k1 cannot go in the loss: its expected gradient under samples from π is zero (the
//     score-function identity), so it only works as a reward penalty. k3 has a useful gradient.
//
// Left out: a value head and GAE (the group or batch mean is the baseline), entropy bonuses.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';

/** Where the KL penalty goes: 'reward' subtracts β·Σk1 from each reply's reward; 'loss' adds β·mean k3. */
export type KlPlacement = 'reward' | 'loss';

/**
 * PPO's clipped surrogate, element-wise: min(ρ·A, clip(ρ, 1-ε, 1+ε)·A). To be maximized.
 * Where the clipped branch is the smaller one its gradient with respect to ρ is 0: a token whose
 * ratio already moved past 1±ε in the direction A wants stops pulling.
 *
 *   clippedSurrogate([1.5, 0.5], [1, -1], 0.2) → [1.2 (clipped, no gradient), -0.8 (clipped, no gradient)]
 *   clippedSurrogate([0.5, 1.5], [1, -1], 0.2) → [0.5 (gradient A = 1), -1.5 (gradient A = -1)]
 */
export function clippedSurrogate(ratio: tf.Tensor, adv: tf.Tensor, eps: number): tf.Tensor {
  assert(eps > 0 && eps < 1, () => `clip epsilon (${eps}) must be in (0, 1); PPO uses 0.2`);
  return tf.tidy(() => tf.minimum(tf.mul(ratio, adv), tf.mul(tf.clipByValue(ratio, 1 - eps, 1 + eps), adv)));
}

/**
 * The k1 estimate of KL per sampled token: log π - log π_ref.
 *
 *   klK1(ln 0.5, ln 0.25) → ln 2 ≈ 0.693
 */
export function klK1(logp: tf.Tensor, refLogp: tf.Tensor): tf.Tensor {
  return tf.sub(logp, refLogp);
}

/**
 * The k3 estimate of KL per sampled token: e^d - d - 1 with d = log π_ref - log π. Never negative.
 *
 *   klK3(ln 0.5, ln 0.25) → 0.5 - ln 0.5 - 1 ≈ 0.193
 */
export function klK3(logp: tf.Tensor, refLogp: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = tf.sub(refLogp, logp);
    return tf.sub(tf.sub(tf.exp(d), d), 1);
  });
}

/** Mean and population std of a list: meanStd([1, 3]) → { mean: 2, std: 1 } */
export function meanStd(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const v = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v) };
}

/**
 * GRPO's advantages: rewards come in consecutive groups of G replies to one prompt; each becomes
 * (r - group mean) / (group std + eps). A group whose replies all scored the same teaches nothing (0).
 *
 *   groupAdvantages([1, 0, 0.5, 0.5], 2) → [≈1, ≈-1, 0, 0]
 */
export function groupAdvantages(rewards: readonly number[], G: number, eps = 1e-6): number[] {
  assert(Number.isInteger(G) && G >= 1 && rewards.length % G === 0,
    () => `groupAdvantages: ${rewards.length} rewards do not split into groups of ${G}`);
  const out: number[] = [];
  for (let i = 0; i < rewards.length; i += G) {
    const g = rewards.slice(i, i + G);
    const { mean, std } = meanStd(g);
    for (const r of g) out.push((r - mean) / (std + eps));
  }
  return out;
}

/**
 * Batch whitening, PPO's usual baseline without a value head: (r - batch mean) / (batch std + eps).
 *
 *   whiten([1, 2, 3]) → [≈-1.2247, 0, ≈1.2247]
 */
export function whiten(rewards: readonly number[], eps = 1e-6): number[] {
  const { mean, std } = meanStd(rewards);
  return rewards.map((r) => (r - mean) / (std + eps));
}

/** Settings of the policy loss. */
export interface PolicyLossConfig {
  /** PPO's clip range ε. */
  clipEps: number;
  /** KL coefficient β (0: no penalty). */
  beta: number;
  /** Where the KL penalty goes (see the header). */
  kl: KlPlacement;
}

/** The loss and what it is made of (scalars; the caller disposes them). */
export interface PolicyLoss {
  /** To minimize: -mean surrogate (+ β·mean k3 when kl is 'loss'). */
  loss: tf.Scalar;
  /** Mean surrogate over reply tokens. */
  surrogate: tf.Scalar;
  /** Mean k3 over reply tokens. */
  k3: tf.Scalar;
  /** Fraction of reply tokens whose ratio is outside [1-ε, 1+ε]. */
  clipFrac: tf.Scalar;
}

/**
 * The policy-gradient loss, averaged over every reply token of the batch (token-level mean).
 *
 *   logp, oldLogp, refLogp, mask: [B, T]; adv: [B] (one advantage per reply, shared by its tokens)
 *
 * With oldLogp equal to logp (the first pass over fresh samples) the ratio is 1, and the gradient is
 * REINFORCE's: -mean(A · ∇log π). Later PPO epochs on the same samples see ratios ≠ 1 and clipping.
 */
export function policyLoss(logp: tf.Tensor2D, oldLogp: tf.Tensor2D, refLogp: tf.Tensor2D, adv: tf.Tensor1D,
  mask: tf.Tensor2D, config: PolicyLossConfig): PolicyLoss {
  assert(config.beta >= 0, () => `KL coefficient beta (${config.beta}) must be >= 0`);
  return tf.tidy(() => {
    const n = tf.maximum(tf.sum(mask), 1); // reply tokens in the batch
    const mean = (x: tf.Tensor) => tf.div(tf.sum(tf.mul(x, mask)), n) as tf.Scalar;
    const ratio = tf.exp(tf.sub(logp, oldLogp)); // [B, T]
    const a = tf.expandDims(adv, 1); // [B, 1]
    const surrogate = mean(clippedSurrogate(ratio, a, config.clipEps));
    const k3 = mean(klK3(logp, refLogp));
    const outside = tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), config.clipEps), 'float32'); // [B, T]
    const clipFrac = mean(outside);
    const klTerm = config.kl === 'loss' && config.beta > 0 ? tf.mul(k3, config.beta) : tf.scalar(0);
    return { loss: tf.add(tf.neg(surrogate), klTerm) as tf.Scalar, surrogate, k3, clipFrac };
  });
}
