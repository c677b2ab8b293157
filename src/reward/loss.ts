// Lesson 2 of the reward model: learning from comparisons.
//
// Nobody can say what a reply's reward "is", but a rater can say which of two replies is better.
// The Bradley-Terry model turns rewards into the probability of that choice:
//
//   P(chosen preferred over rejected) = sigmoid(r_chosen - r_rejected)
//
// and the reward model is trained to make the raters' actual choices likely: the loss is the mean of
// -log sigmoid(r_chosen - r_rejected) over pairs. Only differences of rewards matter, so adding a
// constant to every reward changes nothing (the scale of a reward model is arbitrary).
//
//   margin 0 (can't tell them apart)      → loss ln 2 ≈ 0.693
//   margin +2 (chosen clearly ahead)       → 0.127
//   margin -2 (the wrong one ahead)        → 2.127
//
// Its gradient with respect to r_chosen is -sigmoid(r_rejected - r_chosen) / N: pairs the model
// already ranks right by a wide margin push almost nothing; wrongly ranked ones push hardest.
// Left out: margins by strength of preference (Llama 2), ties, rankings of more than two replies.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';

/**
 * Mean over pairs of -log sigmoid(rChosen - rRejected), computed as softplus(rRejected - rChosen),
 * which stays finite for any margin (log(sigmoid(x)) underflows to -inf for x below about -88).
 *
 *   bradleyTerryLoss([2, 0], [1, 1]) → (0.3133 + 1.3133) / 2 = 0.8133
 */
export function bradleyTerryLoss(rChosen: tf.Tensor1D, rRejected: tf.Tensor1D): tf.Scalar {
  assert(rChosen.shape[0] === rRejected.shape[0],
    () => `bradleyTerryLoss: ${rChosen.shape[0]} chosen rewards but ${rRejected.shape[0]} rejected ones; ` +
      'pass one of each per pair');
  assert(rChosen.shape[0] > 0, () => 'bradleyTerryLoss: no pairs; pass at least one');
  return tf.tidy(() => tf.mean(tf.softplus(tf.sub(rRejected, rChosen))) as tf.Scalar); // []
}

/**
 * The share of pairs ranked the raters' way: rChosen[i] > rRejected[i] (a tie counts as wrong).
 *
 *   pairwiseAccuracy([2, 0, 1], [1, 1, 1]) → 1/3
 */
export function pairwiseAccuracy(rChosen: ArrayLike<number>, rRejected: ArrayLike<number>): number {
  assert(rChosen.length === rRejected.length && rChosen.length > 0,
    () => `pairwiseAccuracy: ${rChosen.length} chosen and ${rRejected.length} rejected rewards; ` +
      'pass equal, non-zero counts');
  let right = 0;
  for (let i = 0; i < rChosen.length; i++) if (rChosen[i] > rRejected[i]) right += 1;
  return right / rChosen.length;
}
