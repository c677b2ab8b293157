// LayerNorm over the last axis as one fused kernel and one for its gradient (JavaScript, cpu/wasm).
//
// Unfused, tf.moments + sub + rsqrt + mul + mul (+ add) is six kernels forward and about fifteen
// backward, each a pass over the activations. Here one pass per row does the forward and keeps the
// row's mean and 1/sqrt(var + eps) for the backward, which is one more pass:
//   x̂ = (x - μ) · r,  y = x̂ · g + b
//   dx̂ = dy · g,  dx = r · (dx̂ - mean(dx̂) - x̂ · mean(dx̂ · x̂)),  dg = Σ_rows dy · x̂,  db = Σ_rows dy
// Left out: RMSNorm.

import * as tf from '@tensorflow/tfjs';
import { registerJsKernel, runJsKernel } from './js-kernel';

registerJsKernel('GptLabLayerNorm', (inputs, shapes, attrs) => {
  const [x, g, b] = inputs;
  const C = shapes[0][shapes[0].length - 1];
  const N = x.length / C;
  const eps = attrs.eps as number;
  const y = new Float32Array(x.length);
  const mean = new Float32Array(N);
  const rstd = new Float32Array(N);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    let s = 0;
    for (let c = 0; c < C; c++) s += x[o + c];
    const mu = s / C;
    let v = 0;
    for (let c = 0; c < C; c++) { const d = x[o + c] - mu; v += d * d; }
    const r = 1 / Math.sqrt(v / C + eps);
    mean[n] = mu;
    rstd[n] = r;
    if (b === undefined) for (let c = 0; c < C; c++) y[o + c] = (x[o + c] - mu) * r * g[c];
    else for (let c = 0; c < C; c++) y[o + c] = (x[o + c] - mu) * r * g[c] + b[c];
  }
  return [{ shape: shapes[0], values: y }, { shape: [N], values: mean }, { shape: [N], values: rstd }];
});

registerJsKernel('GptLabLayerNormGrad', ([dy, x, g, mean, rstd], shapes) => {
  const C = shapes[1][shapes[1].length - 1];
  const N = x.length / C;
  const dx = new Float32Array(x.length);
  const dg = new Float64Array(C);
  const db = new Float64Array(C);
  const xhat = new Float64Array(C);
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const mu = mean[n];
    const r = rstd[n];
    let sumD = 0;
    let sumDX = 0;
    for (let c = 0; c < C; c++) {
      const xh = (x[o + c] - mu) * r;
      xhat[c] = xh;
      const d = dy[o + c];
      const dxh = d * g[c];
      sumD += dxh;
      sumDX += dxh * xh;
      dg[c] += d * xh;
      db[c] += d;
    }
    const mD = sumD / C;
    const mDX = sumDX / C;
    for (let c = 0; c < C; c++) dx[o + c] = r * (dy[o + c] * g[c] - mD - xhat[c] * mDX);
  }
  return [{ shape: shapes[1], values: dx }, { shape: [C], values: new Float32Array(dg) }, { shape: [C], values: new Float32Array(db) }];
});

/**
 * (x - mean) / sqrt(var + eps) · g (+ b) over the last axis of x [..., C], differentiable in x, g
 * and b. cpu and wasm only.
 *
 *   fusedLayerNorm([[1, 2, 3]], [1, 1, 1], undefined, 1e-5) → [[-1.2247, 0, 1.2247]]
 */
export function fusedLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor | undefined, eps: number): tf.Tensor {
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xs, gs, bs] = args.slice(0, -1) as tf.Tensor[];
    const [y, mean, rstd] = runJsKernel('GptLabLayerNorm', bs === undefined ? { x: xs, g: gs } : { x: xs, g: gs, b: bs }, { eps });
    save([xs, gs, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dg, db] = runJsKernel('GptLabLayerNormGrad', { dy, x: saved[0], g: saved[1], mean: saved[2], rstd: saved[3] });
        return bs === undefined ? [dx, dg] : [dx, dg, db];
      },
    };
  });
  return b === undefined ? f(x, g) : f(x, g, b);
}
