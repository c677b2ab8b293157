// Exact GELU, x · Φ(x), as one fused kernel and one for its gradient (JavaScript, cpu/wasm).
//
// Unfused, 0.5 · x · (1 + erf(x / √2)) is five kernels forward and about eight backward; wasm's Erf
// alone took as long as a matmul of the same tensor. Here:
//   y = 0.5 · x · (1 + erf(x / √2)),   dy/dx = Φ(x) + x · φ(x),  φ(x) = exp(-x²/2) / √(2π)
// erf is Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), the same approximation tfjs's
// own cpu and wasm Erf kernels use.
// Left out: the tanh form (geluTanh in src/model/mlp.ts stays unfused).

import * as tf from '@tensorflow/tfjs';
import { registerJsKernel, runJsKernel } from './js-kernel';

const P = 0.3275911;
const A1 = 0.254829592, A2 = -0.284496736, A3 = 1.421413741, A4 = -1.453152027, A5 = 1.061405429;
const INV_SQRT2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** erf(z), |error| < 1.5e-7 (Abramowitz & Stegun 7.1.26). */
export function erf(z: number): number {
  const a = Math.abs(z);
  const t = 1 / (1 + P * a);
  const e = 1 - ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * Math.exp(-a * a);
  return z < 0 ? -e : e;
}

registerJsKernel('GptLabGelu', ([x], [shape]) => {
  const y = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) { const v = x[i]; y[i] = 0.5 * v * (1 + erf(v * INV_SQRT2)); }
  return [{ shape, values: y }];
});

registerJsKernel('GptLabGeluGrad', ([dy, x], [shape]) => {
  const dx = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    dx[i] = dy[i] * (0.5 * (1 + erf(v * INV_SQRT2)) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
  }
  return [{ shape, values: dx }];
});

const geluOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: runJsKernel('GptLabGelu', { x })[0],
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runJsKernel('GptLabGeluGrad', { dy, x: saved[0] })[0],
  };
});

/**
 * Exact GELU of x, differentiable. cpu and wasm only.
 *
 *   fusedGelu([-1, 0, 1]) → [-0.15866, 0, 0.84134]
 */
export function fusedGelu(x: tf.Tensor): tf.Tensor {
  return geluOp(x);
}
