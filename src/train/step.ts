// One optimizer step for any loss: gradients of the mean of a few micro-batch losses, clipped by
// global norm, applied by AdamW. The pretraining Trainer writes this out for token streams; the
// stages after it (SFT's masked loss, a reward model's pairwise loss) hand in their own loss
// closures and keep everything else the same.
//
//   const { loss, gradNorm } =
//     optimizerStep(model.params.byName, adamw, [() => sftLoss(model, batch)], { lr: 1e-3, gradClip: 1 });
//
// Left out: the loop around it (batches, schedule, evaluation, checkpoints) — each stage has one.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { AdamW } from './adamw';
import { clipByGlobalNorm, globalNorm } from './clip';

/** The learning rate and clipping of one step. */
export interface StepSettings {
  /** This step's learning rate. */
  lr: number;
  /** Clip gradients to this global norm; 0 turns clipping off. */
  gradClip: number;
}

/**
 * Takes one AdamW step on `params` (by name, as the optimizer was built) against the mean of the
 * micro-batch losses; returns that mean loss and the gradient norm before clipping, as scalars on
 * the device (the caller disposes them, and reads them only when it logs).
 *
 *   two micro-batches with losses 2 and 4 → loss 3, and the gradient of (l1 + l2) / 2
 */
export function optimizerStep(params: Map<string, tf.Variable>, optimizer: AdamW, microLosses: (() => tf.Scalar)[],
  settings: StepSettings): { loss: tf.Scalar; gradNorm: tf.Scalar } {
  assert(microLosses.length > 0, () => 'optimizerStep: no micro-batch losses given; pass at least one');
  const named = [...params];
  const vars = named.map(([, v]) => v);
  const n = microLosses.length;
  let sum: tf.Tensor[] | undefined;
  let lossSum: tf.Scalar | undefined;
  for (const lossFn of microLosses) {
    // subtle: divide by n so the summed gradient is that of the mean loss, as one big batch.
    const { value, grads } = tf.variableGrads(() => tf.div(lossFn(), n) as tf.Scalar, vars);
    const g = vars.map((v) => {
      const grad = grads[v.name];
      assert(grad !== undefined,
        () => `optimizerStep: the loss does not depend on ${v.name}; leave it out of params, or check the loss`);
      return grad;
    });
    if (sum === undefined) {
      sum = g;
      lossSum = value;
    } else {
      const prev: tf.Tensor[] = sum;
      const prevLoss: tf.Scalar = lossSum!;
      sum = prev.map((s, i) => tf.add(s, g[i]));
      lossSum = tf.add(prevLoss, value) as tf.Scalar;
      tf.dispose([...prev, ...g, prevLoss, value]);
    }
  }
  let final = sum!;
  let gradNorm: tf.Scalar;
  if (settings.gradClip > 0) {
    const clipped = clipByGlobalNorm(final, settings.gradClip);
    tf.dispose(final);
    final = clipped.grads;
    gradNorm = clipped.norm;
  } else {
    gradNorm = globalNorm(final);
  }
  optimizer.update(new Map(named.map(([name], i) => [name, final[i]])), settings.lr);
  tf.dispose(final);
  return { loss: lossSum!, gradNorm };
}
