// Lesson 1 of SFT: the loss counts only the assistant's tokens.
//
// Pretraining scores every next token. In a conversation the user's words are given, not written
// by the model, so SFT scores only the positions whose target is an assistant token (the mask that
// renderConversation makes, shifted onto the targets by padForNextToken), and padding never counts:
//
//   loss = Σ mask[b,t] · -log p(y[b,t] | x[b,≤t])  /  Σ mask[b,t]
//
// a mean over the counted positions, so a batch of short answers weighs each answer token as much as
// a batch of long ones. Right padding needs no attention mask: with causal attention a real token
// never sees the padding after it.
// Left out: per-conversation weighting (nanochat weighs tokens, as here).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { ShiftedBatch } from '../data/padding';
import { shiftedToTensors } from '../data/tensors';
import { ForwardOptions, GPT } from '../model';

/**
 * Mean cross-entropy of logits [N, V] against targets [N] over the positions where mask [N] is 1.
 *
 *   maskedCrossEntropy(zeros [3, 4], [0, 1, 2], [1, 0, 1]) → ln 4 ≈ 1.3863 (2 positions counted)
 */
export function maskedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, mask: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits, -1); // [N, V]
    // subtle: a one-hot product instead of gather keeps the backward pass free of scatter kernels.
    const nll = tf.neg(tf.sum(tf.mul(logp, tf.oneHot(targets, logits.shape[1])), -1)); // [N]
    const m = tf.cast(mask, 'float32'); // [N]
    // max(count, 1): a batch with nothing to score has loss 0, not 0/0.
    return tf.div(tf.sum(tf.mul(nll, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

/**
 * The SFT loss of a padded batch: the model reads x [B, T], and is scored on y where lossMask is 1.
 *
 *   sftLoss(model, padForNextToken([renderConversation(conv, chat)], { padId, side: 'right' })) → a scalar
 */
export function sftLoss(model: GPT, batch: ShiftedBatch, opts: ForwardOptions = {}): tf.Scalar {
  const [B, T] = batch.shape;
  assert(T <= model.config.blockSize,
    () => `SFT batch of ${T} positions exceeds the model's blockSize (${model.config.blockSize}); ` +
      'drop longer conversations or use a model with a longer context');
  return tf.tidy(() => {
    const { x, y, lossMask } = shiftedToTensors(batch);
    const logits = model.head(model.hidden(x, opts).h); // [B, T, V]
    const V = model.config.vocabSize;
    return maskedCrossEntropy(tf.reshape(logits, [B * T, V]), tf.reshape(y, [B * T]), tf.reshape(lossMask, [B * T]));
  });
}

/** How many positions of a batch the loss counts: Σ lossMask. */
export function countedPositions(batch: ShiftedBatch): number {
  let n = 0;
  for (let i = 0; i < batch.lossMask.length; i++) n += batch.lossMask[i];
  return n;
}
