// Lesson 6 of the data pipeline: handing batches to tfjs.
//
// Everything before this file is plain typed arrays, testable without tfjs. Here, and only here,
// batches become int32 tensors. The caller owns the tensors: create them inside `tf.tidy` (or
// dispose them) so a training step leaks nothing.
//
// Left out: moving data to a particular backend (src/backend.ts picks it).

import * as tf from '@tensorflow/tfjs';
import { Batch } from './batch';
import { PaddedBatch, ShiftedBatch } from './padding';

/**
 * A pretraining batch as two int32 tensors of shape [B, T].
 *
 *   toTensors(batch) → { x: Tensor2D [B, T] int32, y: Tensor2D [B, T] int32 }
 */
export function toTensors(batch: Batch): { x: tf.Tensor2D; y: tf.Tensor2D } {
  return {
    x: tf.tensor2d(batch.x, batch.shape, 'int32'), // [B, T]
    y: tf.tensor2d(batch.y, batch.shape, 'int32'), // [B, T]
  };
}

/**
 * A padded SFT batch (inputs, targets and both masks) as int32 tensors of shape [B, T].
 *
 *   shiftedToTensors(padForNextToken(seqs, cfg)) → { x, y, attentionMask, lossMask }
 */
export function shiftedToTensors(
  batch: ShiftedBatch,
): { x: tf.Tensor2D; y: tf.Tensor2D; attentionMask: tf.Tensor2D; lossMask: tf.Tensor2D } {
  return {
    x: tf.tensor2d(batch.x, batch.shape, 'int32'), // [B, T]
    y: tf.tensor2d(batch.y, batch.shape, 'int32'), // [B, T]
    attentionMask: tf.tensor2d(batch.attentionMask, batch.shape, 'int32'), // [B, T]
    lossMask: tf.tensor2d(batch.lossMask, batch.shape, 'int32'), // [B, T]
  };
}

/**
 * A padded batch of whole sequences (reward modeling) as int32 tensors; lastIndex is [B].
 *
 *   paddedToTensors(padSequences(seqs, cfg)) → { ids, attentionMask, lossMask, lastIndex }
 */
export function paddedToTensors(
  batch: PaddedBatch,
): { ids: tf.Tensor2D; attentionMask: tf.Tensor2D; lossMask: tf.Tensor2D; lastIndex: tf.Tensor1D } {
  return {
    ids: tf.tensor2d(batch.ids, batch.shape, 'int32'), // [B, T]
    attentionMask: tf.tensor2d(batch.attentionMask, batch.shape, 'int32'), // [B, T]
    lossMask: tf.tensor2d(batch.lossMask, batch.shape, 'int32'), // [B, T]
    lastIndex: tf.tensor1d(batch.lastIndex, 'int32'), // [B]
  };
}
