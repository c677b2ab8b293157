// InfoNCE against a hand computation and a plain-JavaScript reference, its gradient against finite
// differences, and no leaks.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { infoNCE } from '../../src/retrieval';
import { GptLabError } from '../../src/util/assert';
import { directionalCheck, randomFloats } from '../model/helpers';

/** The loss row by row in plain JavaScript. */
function reference(q: number[][], p: number[][], tau: number, symmetric: boolean): number {
  const unit = (v: number[]) => { const n = Math.hypot(...v); return v.map((x) => x / n); };
  const Q = q.map(unit), P = p.map(unit);
  const s = Q.map((qi) => P.map((pj) => qi.reduce((acc, x, d) => acc + x * pj[d], 0) / tau));
  const ce = (m: number[][]) => m.reduce((acc, row, i) => acc - row[i] + Math.log(row.reduce((z, x) => z + Math.exp(x), 0)), 0) / m.length;
  return symmetric ? (ce(s) + ce(s[0].map((_, j) => s.map((row) => row[j])))) / 2 : ce(s);
}

describe('infoNCE', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('is ln(1 + 1/e) for two orthogonal pairs at τ = 1', () => {
    // s = [[1, 0], [0, 1]]: each row loses -ln(e / (e + 1)) = ln(1 + 1/e) = 0.313262
    const q = tf.tensor2d([[1, 0], [0, 3]]);
    const loss = infoNCE(q, q, { temperature: 1 });
    expect(loss.dataSync()[0]).to.be.closeTo(Math.log(1 + 1 / Math.E), 1e-6);
    expect(Math.log(1 + 1 / Math.E)).to.be.closeTo(0.313262, 1e-6);
    tf.dispose([q, loss]);
  });

  it('matches a hand case with a 45° negative at τ = 0.5', () => {
    // q = [1,0], [0,1]; p = [1,0], [1,1]/√2. Cosines [[1, 0.7071], [0, 0.7071]], over τ: [[2, 1.4142], [0, 1.4142]].
    // row 0: -2 + ln(e² + e^1.4142) = -2 + ln(11.5023) = 0.442548;  row 1: -1.4142 + ln(5.1133) = 0.217622;  mean 0.330085
    const q = tf.tensor2d([[1, 0], [0, 1]]), p = tf.tensor2d([[1, 0], [1, 1]]);
    const loss = infoNCE(q, p, { temperature: 0.5 });
    expect(loss.dataSync()[0]).to.be.closeTo(0.330085, 1e-5);
    tf.dispose([q, p, loss]);
  });

  it('matches a plain-JavaScript reference on random batches, one-way and symmetric', () => {
    const q = randomFloats([5, 7], 1) as tf.Tensor2D, p = randomFloats([5, 7], 2) as tf.Tensor2D;
    const qa = q.arraySync(), pa = p.arraySync();
    for (const symmetric of [false, true]) {
      const loss = infoNCE(q, p, { temperature: 0.1, symmetric });
      expect(loss.dataSync()[0]).to.be.closeTo(reference(qa, pa, 0.1, symmetric), 1e-4);
      loss.dispose();
    }
    tf.dispose([q, p]);
  });

  it('has the gradient finite differences give, for questions and facts', () => {
    const q = randomFloats([4, 6], 3) as tf.Tensor2D, p = randomFloats([4, 6], 4) as tf.Tensor2D;
    for (const symmetric of [false, true]) {
      const dq = directionalCheck((x) => infoNCE(x as tf.Tensor2D, p, { temperature: 0.2, symmetric }), q, 5, 1e-3);
      expect(dq.analytic).to.be.closeTo(dq.numeric, 2e-3 * Math.max(1, Math.abs(dq.numeric)));
      const dp = directionalCheck((x) => infoNCE(q, x as tf.Tensor2D, { temperature: 0.2, symmetric }), p, 6, 1e-3);
      expect(dp.analytic).to.be.closeTo(dp.numeric, 2e-3 * Math.max(1, Math.abs(dp.numeric)));
      expect(Math.abs(dq.analytic)).to.be.above(1e-3);
    }
    tf.dispose([q, p]);
  });

  it('leaks no tensors, forward or backward', () => {
    const q = randomFloats([4, 6], 7) as tf.Tensor2D, p = randomFloats([4, 6], 8) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    infoNCE(q, p).dispose();
    const v = tf.variable(q);
    const afterVariable = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() => infoNCE(v, p), [v]);
    value.dispose();
    tf.dispose(Object.values(grads));
    expect(tf.memory().numTensors).to.equal(afterVariable);
    v.dispose();
    const g = tf.grad((x: tf.Tensor) => infoNCE(x as tf.Tensor2D, p))(q);
    g.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([q, p]);
  });

  it('rejects mismatched shapes and a batch of one', () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D, b = tf.zeros([2, 4]) as tf.Tensor2D, one = tf.ones([1, 3]) as tf.Tensor2D;
    expect(() => infoNCE(a, b)).to.throw(GptLabError, /\[2,3\].*\[2,4\]/);
    expect(() => infoNCE(one, one)).to.throw(GptLabError, /no negatives/);
    expect(() => infoNCE(a, a, { temperature: 0 })).to.throw(GptLabError, /temperature 0/);
    tf.dispose([a, b, one]);
  });
});
