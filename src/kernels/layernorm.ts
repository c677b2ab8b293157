// LayerNorm over the last axis as one fused kernel and one for its gradient (JavaScript, cpu/wasm).
//
// Unfused, tf.moments + sub + rsqrt + mul + mul (+ add) is six kernels forward and about fifteen
// backward, each a pass over the activations. Here one pass per row does the forward and keeps the
// row's mean and 1/sqrt(var + eps) for the backward, which is one more pass:
//   x̂ = (x - μ) · r,  y = x̂ · g + b
//   dx̂ = dy · g,  dx = r · (dx̂ - mean(dx̂) - x̂ · mean(dx̂ · x̂)),
//   dg = Σ_rows dy · x̂,  db = Σ_rows dy
// Left out: RMSNorm.

import * as tf from '@tensorflow/tfjs';
import { registerHeapKernel, runJsKernel } from './js-kernel';

/** The row count N of x [..., C]. */
const rows = (shape: number[]) => shape.slice(0, -1).reduce((p, d) => p * d, 1);

registerHeapKernel('GptLabLayerNorm', {
  outputShapes: ([xs]) => [xs, [rows(xs)], [rows(xs)]],
  run: (inputs, [y, mean, rstd], shapes, attrs) => {
    const [x, g, b] = inputs;
    const C = shapes[0][shapes[0].length - 1];
    const N = x.length / C;
    const eps = attrs.eps as number;
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
  },
});

registerHeapKernel('GptLabLayerNormGrad', {
  outputShapes: ([, xs, gs]) => [xs, gs, gs],
  run: ([dy, x, g, mean, rstd], [dx, dgOut, dbOut], shapes) => {
    const C = shapes[1][shapes[1].length - 1];
    const N = x.length / C;
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
    dgOut.set(dg);
    dbOut.set(db);
  },
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
    const [y, mean, rstd] = runJsKernel('GptLabLayerNorm',
      bs === undefined ? { x: xs, g: gs } : { x: xs, g: gs, b: bs }, { eps });
    save([xs, gs, mean, rstd]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dg, db] = runJsKernel('GptLabLayerNormGrad',
          { dy, x: saved[0], g: saved[1], mean: saved[2], rstd: saved[3] });
        return bs === undefined ? [dx, dg] : [dx, dg, db];
      },
    };
  });
  return b === undefined ? f(x, g) : f(x, g, b);
}
