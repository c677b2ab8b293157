// Exact GELU, x · Φ(x), as one fused kernel (JavaScript, cpu/wasm) whose gradient is one multiply.
//
// Unfused, 0.5 · x · (1 + erf(x / √2)) is five kernels forward and about a dozen backward (erf's
// gradient alone is square, neg, exp and three multiplies, and tfjs copies the operands of every
// multiply's gradient); on wasm the baby step spent about 40 ms of 200 there. Here one pass computes
//   y = x · Φ(x)  and  d = dy/dx = Φ(x) + x · φ(x),   φ(x) = exp(-x²/2) / √(2π),
// and keeps d for the backward, which is dy ⊙ d (one SIMD multiply on wasm).
// erf is Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7), the same approximation tfjs's
// own cpu and wasm Erf kernels use; its exp(-z²) at z = x/√2 is exp(-x²/2), so one exp serves Φ and φ.
// subtle: Math.exp costs about 12 ns in V8; expNonPositive (a table of powers of 2 and a degree-6
// polynomial, relative error ~1e-7) about 3, and the kernel has no branch on the sign of x (random
// signs mispredict): Φ(x) = ½ + ½·erf(|x|/√2)·sign(x) is written as ½·x + ½·|x|·erf(|x|/√2) for y.
// Where WebAssembly SIMD runs (Node, current browsers) the kernel runs the same arithmetic 4 lanes at
// a time (gelu-simd.ts: 1.5 ms against 4.7 for [768, 512]); geluAndSlope is the fallback.
// Left out: the tanh form (geluTanh in src/model/mlp.ts stays unfused).

import * as tf from '@tensorflow/tfjs';
import { registerHeapKernel } from './js-kernel';
import { hasSimdGelu, simdGeluAndSlope } from './gelu-simd';

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

/** 2^k for k in [-128, 0], by k + 128. */
const POW2 = Float64Array.from({ length: 129 }, (_, i) => 2 ** (i - 128));
/**
 * The smallest exponent used: exp(-80) = 1.8e-35 is still a normal float32, and clamping keeps the
 * kernel's float32 outputs out of the denormal range, whose stores are slow; the clamp changes
 * GELU's values by under 1e-33.
 */
const MIN_EXPONENT = -80;

/**
 * exp(u) for u <= 0 (relative error about 1e-7 down to u = -80; below that, exp(-80)):
 * u = k·ln2 + r with |r| <= ln2/2, exp(u) = 2^k · (Taylor series of e^r to degree 6).
 *
 *   expNonPositive(-1) → 0.36787944
 */
export function expNonPositive(u: number): number {
  const v = Math.max(u, MIN_EXPONENT);
  const k = (v * Math.LOG2E - 0.5) | 0; // round(v / ln2): v <= 0 truncates toward zero
  const r = v - k * Math.LN2;
  return POW2[k + 128] * (1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720)))))));
}

/** y = x·Φ(x) and d = Φ(x) + x·φ(x) for every element of x. */
export function geluAndSlope(x: Float32Array, y: Float32Array, d: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const e = expNonPositive(-0.5 * v * v); // exp(-x²/2) = exp(-z²), z = |x|/√2
    const t = 1 / (1 + P * INV_SQRT2 * Math.abs(v));
    const h = 0.5 - 0.5 * ((((A5 * t + A4) * t + A3) * t + A2) * t + A1) * t * e; // ½·erf(|x|/√2)
    const ax = Math.abs(v);
    y[i] = 0.5 * v + h * ax; // x·Φ(x) = ½x + ½x·erf(x/√2), and x·erf(x/√2) = |x|·erf(|x|/√2)
    // Φ(x) = ½ + h·sign(x); x·φ(x) = x·e/√(2π). subtle: at x = 0, h = 0 and 0/0 is avoided by ax || 1.
    d[i] = 0.5 + (h * v) / (ax || 1) + v * INV_SQRT_2PI * e;
  }
}

registerHeapKernel('GptLabGelu', {
  outputShapes: ([shape]) => [shape, shape],
  run: ([x], [y, d]) => (hasSimdGelu() ? simdGeluAndSlope : geluAndSlope)(x, y, d),
});

const geluOp = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  const [y, d] = tf.engine().runKernel('GptLabGelu', { x }, {}) as tf.Tensor[];
  save([d]);
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]),
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
