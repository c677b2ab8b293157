// How fast is this backend? Matrix-multiply throughput, the number that bounds every training step.
//
// Leaves out: whole-step benchmarks (bench/), which time the model itself.

import * as tf from '@tensorflow/tfjs';
import { assert } from './util/assert';

export interface MatMulSpeed {
  /** Matrix size n: an n x n times n x n product, 2n³ floating-point operations. */
  n: number;
  /** Median milliseconds per product. */
  ms: number;
  /** Billions of floating-point operations per second at that median. */
  gflops: number;
}

/**
 * Times n x n matMuls on the active backend: one warm-up, then `reps` timed runs, each read back
 * (a GPU backend only finishes work when the result is read).
 *
 *   measureMatMul(256) → { n: 256, ms: 1.1, gflops: 30.5 }   (wasm, one core)
 */
export async function measureMatMul(n: number, reps = 5): Promise<MatMulSpeed> {
  assert(Number.isInteger(n) && n > 0, () => `matrix size must be a positive integer, got ${n}`);
  assert(Number.isInteger(reps) && reps > 0, () => `reps must be a positive integer, got ${reps}`);
  const a = tf.randomNormal([n, n], 0, 1, 'float32', 1);
  const b = tf.randomNormal([n, n], 0, 1, 'float32', 2);
  const times: number[] = [];
  try {
    for (let i = 0; i <= reps; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, b);
      await c.data();
      c.dispose();
      if (i > 0) times.push(performance.now() - t0);
    }
  } finally {
    a.dispose();
    b.dispose();
  }
  const ms = times.sort((x, y) => x - y)[Math.floor(times.length / 2)];
  return { n, ms, gflops: (2 * n ** 3) / (ms * 1e6) };
}
