// The RLHF and DPO objectives against hand computations: PPO's clip (values and which branch carries
// the gradient), the KL estimators against the exact KL of a small distribution, advantages, the
// policy loss's gradient (REINFORCE on fresh samples), DPO's loss, distinct-n.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { clippedSurrogate, distinctN, dpoLoss, groupAdvantages, groupDistinctN, klK1, klK3, ngrams, policyLoss, whiten } from '../../src/rlhf';
import { GptLabError } from '../../src/util/assert';

function allClose(actual: ArrayLike<number>, expected: number[], tol = 1e-5): void {
  expect(actual.length).to.equal(expected.length);
  expected.forEach((e, i) => expect(actual[i]).to.be.closeTo(e, tol, `element ${i}`));
}

describe('PPO clipped surrogate', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('takes min(ρA, clip(ρ)A) on a hand example, and only the unclipped branch passes a gradient', () => {
    // ε = 0.2: clip range [0.8, 1.2].
    //   ρ=0.5, A=+1: ρA=0.5, clipped 0.8·1=0.8 → min 0.5, unclipped: dρ = A = 1
    //   ρ=1.1, A=+1: inside the range: 1.1, dρ = 1
    //   ρ=1.5, A=+1: 1.5 vs 1.2 → 1.2, clipped: dρ = 0 (already pushed up enough)
    //   ρ=0.5, A=-1: -0.5 vs -0.8 → -0.8, clipped: dρ = 0 (already pushed down enough)
    //   ρ=1.5, A=-1: -1.5 vs -1.2 → -1.5, unclipped: dρ = A = -1 (a bad token whose prob grew keeps being pushed down)
    const ratio = tf.tensor1d([0.5, 1.1, 1.5, 0.5, 1.5]);
    const adv = tf.tensor1d([1, 1, 1, -1, -1]);
    const value = clippedSurrogate(ratio, adv, 0.2);
    allClose(value.dataSync(), [0.5, 1.1, 1.2, -0.8, -1.5]);
    const grad = tf.grad((r: tf.Tensor) => tf.sum(clippedSurrogate(r, adv, 0.2)))(ratio);
    allClose(grad.dataSync(), [1, 1, 0, 0, -1]);
    tf.dispose([ratio, adv, value, grad]);
  });

  it('rejects an epsilon outside (0, 1)', () => {
    const r = tf.ones([1]);
    expect(() => clippedSurrogate(r, r, 0)).to.throw(GptLabError, /clip epsilon \(0\)/);
    r.dispose();
  });
});

describe('KL estimators', () => {
  it('give ln 2 (k1) and 0.5 - ln 0.5 - 1 (k3) for π = 0.5, π_ref = 0.25', () => {
    const lp = tf.scalar(Math.log(0.5));
    const lr = tf.scalar(Math.log(0.25));
    expect(klK1(lp, lr).dataSync()[0]).to.be.closeTo(Math.LN2, 1e-6);
    expect(klK3(lp, lr).dataSync()[0]).to.be.closeTo(0.5 - Math.log(0.5) - 1, 1e-6);
    tf.dispose([lp, lr]);
  });

  it('average to the exact KL(π‖π_ref) under π, and k3 is never negative', () => {
    const p = [0.5, 0.3, 0.2];
    const q = [0.2, 0.2, 0.6];
    const exact = p.reduce((s, pi, i) => s + pi * Math.log(pi / q[i]), 0);
    const lp = tf.tensor1d(p.map(Math.log));
    const lq = tf.tensor1d(q.map(Math.log));
    const k1 = klK1(lp, lq).dataSync();
    const k3 = klK3(lp, lq).dataSync();
    expect(p.reduce((s, pi, i) => s + pi * k1[i], 0)).to.be.closeTo(exact, 1e-6);
    expect(p.reduce((s, pi, i) => s + pi * k3[i], 0)).to.be.closeTo(exact, 1e-6);
    expect(Math.min(...k3)).to.be.at.least(0);
    expect(Math.min(...k1)).to.be.below(0); // k1 is only right on average
    tf.dispose([lp, lq]);
  });
});

describe('advantages', () => {
  it('are relative to each group of G (GRPO), 0 for a group that scored alike', () => {
    // group [1, 0]: mean 0.5, std 0.5 → [1, -1]; group [0.5, 0.5]: std 0 → [0, 0]
    allClose(groupAdvantages([1, 0, 0.5, 0.5], 2), [1, -1, 0, 0], 1e-5);
    // group [3, 0, 0]: mean 1, std sqrt(2) → [2/√2, -1/√2, -1/√2]
    allClose(groupAdvantages([3, 0, 0], 3), [Math.SQRT2, -1 / Math.SQRT2, -1 / Math.SQRT2], 1e-5);
    expect(() => groupAdvantages([1, 2, 3], 2)).to.throw(GptLabError, /groups of 2/);
  });

  it('are whitened over the batch (PPO without a value head)', () => {
    // [1, 2, 3]: mean 2, std sqrt(2/3)
    const s = Math.sqrt(2 / 3);
    allClose(whiten([1, 2, 3]), [-1 / s, 0, 1 / s], 1e-5);
  });
});

describe('policy loss', () => {
  it('on fresh samples (ratio 1) has REINFORCE\'s gradient -A·mask / tokens', () => {
    // Two replies; reply 0 has 2 tokens (A = 1), reply 1 has 1 token (A = -2); 3 tokens in all.
    const logp = tf.tensor2d([[-1, -2], [-0.5, -9]]);
    const mask = tf.tensor2d([[1, 1], [1, 0]]);
    const adv = tf.tensor1d([1, -2]);
    const old = logp.clone();
    const ref = logp.clone();
    const f = (lp: tf.Tensor) => policyLoss(lp as tf.Tensor2D, old, ref, adv, mask, { clipEps: 0.2, beta: 0, kl: 'loss' }).loss;
    // loss = -(1·1 + 1·1 - 2·1) / 3 = 0 at ratio 1
    expect(f(logp).dataSync()[0]).to.be.closeTo(0, 1e-6);
    allClose(tf.grad(f)(logp).dataSync(), [-1 / 3, -1 / 3, 2 / 3, 0]);
    tf.dispose([logp, mask, adv, old, ref]);
  });

  it("adds β·mean k3 when kl is 'loss', and reports the clipped fraction", () => {
    // One reply of 2 tokens: logp = [ln .5, ln .5], old = [ln .25, ln .5] (ratios 2 and 1), ref = [ln .25, ln .25], A = 1.
    //   surrogate: min(2, 1.2) = 1.2 and 1 → mean 1.1;  k3 per token 0.5 - ln 0.5 - 1 ≈ 0.19315
    //   loss = -1.1 + 0.5 · 0.19315 = -1.003426;  clipped tokens: 1 of 2
    const logp = tf.tensor2d([[Math.log(0.5), Math.log(0.5)]]);
    const old = tf.tensor2d([[Math.log(0.25), Math.log(0.5)]]);
    const ref = tf.tensor2d([[Math.log(0.25), Math.log(0.25)]]);
    const out = policyLoss(logp, old, ref, tf.tensor1d([1]), tf.ones([1, 2]) as tf.Tensor2D, { clipEps: 0.2, beta: 0.5, kl: 'loss' });
    const k3 = 0.5 - Math.log(0.5) - 1;
    expect(out.loss.dataSync()[0]).to.be.closeTo(-1.1 + 0.5 * k3, 1e-5);
    expect(out.k3.dataSync()[0]).to.be.closeTo(k3, 1e-5);
    expect(out.clipFrac.dataSync()[0]).to.be.closeTo(0.5, 1e-6);
    const asReward = policyLoss(logp, old, ref, tf.tensor1d([1]), tf.ones([1, 2]) as tf.Tensor2D, { clipEps: 0.2, beta: 0.5, kl: 'reward' });
    expect(asReward.loss.dataSync()[0]).to.be.closeTo(-1.1, 1e-5); // with 'reward' the KL is in the advantage instead
    tf.dispose([logp, old, ref, out.loss, out.k3, out.surrogate, out.clipFrac, asReward.loss, asReward.k3, asReward.surrogate, asReward.clipFrac]);
  });
});

describe('DPO loss', () => {
  it('matches -log σ(β·margin) computed by hand, and its gradient favours the chosen reply', () => {
    // pair 0: π(w) -1, π(l) -2, ref -1.5 / -1.5 → margin (0.5) - (-0.5) = 1, β 0.5 → -log σ(0.5) = 0.474077
    // pair 1: π(w) -3, π(l) -1, ref -2 / -2 → margin -1 - 1 = -2 → -log σ(-1) = 1.313262
    const pw = tf.tensor1d([-1, -3]);
    const pl = tf.tensor1d([-2, -1]);
    const rw = tf.tensor1d([-1.5, -2]);
    const rl = tf.tensor1d([-1.5, -2]);
    const sp = (z: number) => Math.log(1 + Math.exp(-z));
    const out = dpoLoss(pw, pl, rw, rl, 0.5);
    expect(out.loss.dataSync()[0]).to.be.closeTo((sp(0.5) + sp(-1)) / 2, 1e-6);
    expect(out.accuracy.dataSync()[0]).to.equal(0.5);
    expect(out.chosenReward.dataSync()[0]).to.be.closeTo(0.5 * (0.5 + -1) / 2, 1e-6);
    // d loss / d π(w) = -β σ(-z) / B < 0: raising the chosen reply's log-prob lowers the loss.
    const g = tf.grad((x: tf.Tensor) => dpoLoss(x as tf.Tensor1D, pl, rw, rl, 0.5).loss)(pw).dataSync();
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    allClose(g, [-0.5 * sig(-0.5) / 2, -0.5 * sig(1) / 2], 1e-6);
    tf.dispose([pw, pl, rw, rl, out.loss, out.accuracy, out.chosenReward, out.rejectedReward]);
  });

  it('is ln 2 when the policy equals the reference', () => {
    const a = tf.tensor1d([-4, -7]);
    const b = tf.tensor1d([-5, -2]);
    const out = dpoLoss(a, b, a, b, 0.1);
    expect(out.loss.dataSync()[0]).to.be.closeTo(Math.LN2, 1e-6);
    tf.dispose([a, b, out.loss, out.accuracy, out.chosenReward, out.rejectedReward]);
  });
});

describe('distinct-n', () => {
  it('counts distinct word n-grams over all n-grams', () => {
    expect(ngrams('Tamor is in the north.', 2)).to.deep.equal(['tamor is', 'is in', 'in the', 'the north']);
    expect(distinctN(['a b', 'a c'], 1)).to.equal(0.75);
    expect(distinctN(['a b', 'a b'], 2)).to.equal(0.5);
    expect(distinctN(['', 'x'], 2)).to.equal(0);
    expect(groupDistinctN(['a b', 'a b', 'c d', 'd e'], 2, 2)).to.equal(0.75);
  });
});
