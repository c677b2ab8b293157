// Lesson 5 of retrieval: training an encoder with in-batch negatives (InfoNCE).
//
// A batch holds B (question, fact) pairs. Each question's own fact is its positive; the other B-1
// facts of the batch are its negatives, for free. With unit embeddings q_i and p_j and a
// temperature τ, the logits are the scaled cosines s_ij = q_i·p_j / τ, and the loss is the
// cross-entropy of picking the right fact among the B:
//
//   L = -(1/B) sum_i log( exp(s_ii) / sum_j exp(s_ij) )
//
// `symmetric` also asks each fact to pick its question (CLIP's loss) and averages the two. A small τ
// (0.05..0.1) sharpens the softmax; cosines alone (τ = 1) span only [-1, 1], too flat to learn from.
//
// Subtle: duplicated facts in one batch are false negatives (the same fact is both the positive and
// a negative); the batch builder should draw distinct facts.
//
// Left out: hard negatives mined from a retriever, and a learned temperature.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';

/** The loss's settings. */
export interface InfoNCEConfig {
  /** Softmax temperature τ > 0 (default 0.05). */
  temperature: number;
  /** Average with the facts-pick-questions direction (default false). */
  symmetric: boolean;
}

/**
 * Fills defaults (τ 0.05, one direction) and checks them.
 *
 *   makeInfoNCEConfig({ temperature: 0.1 }) → { temperature: 0.1, symmetric: false }
 */
export function makeInfoNCEConfig(overrides: Partial<InfoNCEConfig> = {}): InfoNCEConfig {
  const c: InfoNCEConfig = { temperature: 0.05, symmetric: false, ...overrides };
  assert(c.temperature > 0, () => `InfoNCE temperature ${c.temperature} must be positive (0.05 is usual)`);
  return c;
}

/** Rows scaled to unit length (differentiable; eps keeps a zero row finite). */
function unitRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), 1, true), 1e-12))) as tf.Tensor2D; // [B, D]
}

/**
 * The in-batch InfoNCE loss of question embeddings q [B, D] against their facts' embeddings p [B, D]
 * (row i of p is the positive of row i of q); a scalar. Tidied: only the loss survives.
 *
 *   infoNCE(q, q) with orthogonal rows and τ = 1 → ln(1 + (B-1)/e)
 */
export function infoNCE(q: tf.Tensor2D, p: tf.Tensor2D, config: Partial<InfoNCEConfig> = {}): tf.Scalar {
  const c = makeInfoNCEConfig(config);
  assert(q.shape.length === 2 && q.shape[0] === p.shape[0] && q.shape[1] === p.shape[1],
    () => `infoNCE: questions [${q.shape}] and facts [${p.shape}] must both be [B, D], ` +
      'row i of one paired with row i of the other');
  assert(q.shape[0] >= 2, () => `infoNCE: a batch of ${q.shape[0]} has no negatives; use at least 2 pairs`);
  return tf.tidy(() => {
    const B = q.shape[0];
    const logits = tf.div(tf.matMul(unitRows(q), unitRows(p), false, true), c.temperature) as tf.Tensor2D; // [B, B]
    const labels = tf.oneHot(tf.range(0, B, 1, 'int32'), B); // [B, B]
    const pick = (s: tf.Tensor2D) => tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(s, 1)), 1))); // []
    const loss = c.symmetric
      ? tf.div(tf.add(pick(logits), pick(tf.transpose(logits) as tf.Tensor2D)), 2) : pick(logits);
    return loss as tf.Scalar;
  });
}
