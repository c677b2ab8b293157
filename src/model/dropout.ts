// Dropout whose randomness gpt-lab owns: every mask is drawn from an explicit seed derived from
// (step seed, layer, site), so a resumed run draws exactly the masks an uninterrupted one would.
// tf.dropout with a seed draws its uniforms in JavaScript (seedrandom), so the masks are the same on
// every backend.
// Left out: dropout schedules.

import * as tf from '@tensorflow/tfjs';
import { hashSeed } from '../data/rng';

/** Where dropout applies inside a block, for seeding. */
export const DROPOUT_SITES = { embedding: 0, attnWeights: 1, attnResid: 2, mlpResid: 3 } as const;
export type DropoutSite = keyof typeof DROPOUT_SITES;

/** Dropout settings for one forward pass; absent (or rate 0) means eval: no dropout. */
export interface DropoutContext {
  /** Probability of zeroing an element. */
  rate: number;
  /** The seed of this forward pass (the trainer derives it from the run's seed, step and micro-step). */
  seed: number;
}

/**
 * x with dropout applied at (layer, site), or x itself when dropout is off.
 *
 *   applyDropout(x, { rate: 0.5, seed: 7 }, 0, 'attnResid') → x * mask / 0.5, the same mask for the same seed
 */
export function applyDropout(
  x: tf.Tensor, ctx: DropoutContext | undefined, layer: number, site: DropoutSite,
): tf.Tensor {
  if (ctx === undefined || ctx.rate === 0) return x;
  return tf.dropout(x, ctx.rate, undefined, hashSeed(ctx.seed, layer, DROPOUT_SITES[site]));
}
