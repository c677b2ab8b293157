// Bootstrap intervals: hand cases whose resampling distribution is known exactly, the normal
// approximation of the binomial on a large sample, the paired difference against its own normal
// approximation (and narrower than unpaired), seeds.

import { expect } from 'chai';
import { bootstrapMean, bootstrapPairedDifference, quantile } from '../../src/think';
import { Rng } from '../../src/data/rng';
import { GptLabError } from '../../src/util/assert';

/** n outcomes, `ones` of them 1, in a seeded random order. */
function outcomes(n: number, ones: number, seed: number): number[] {
  return new Rng(seed).shuffle(Array.from({ length: n }, (_, i) => (i < ones ? 1 : 0)));
}

describe('quantile', () => {
  it('interpolates between order statistics as numpy does', () => {
    // numpy.quantile([0, 10, 20, 30], [0.5, 0.25, 0.1]) → [15, 7.5, 3]
    expect(quantile([0, 10, 20, 30], 0.5)).to.equal(15);
    expect(quantile([0, 10, 20, 30], 0.25)).to.equal(7.5);
    expect(quantile([0, 10, 20, 30], 0.1)).to.be.closeTo(3, 1e-12);
    expect(quantile([4], 0.9)).to.equal(4);
  });
});

describe('bootstrapMean', () => {
  it('on [0, 1], spans 0..1: resampled means are 0, 0.5, 1 with chances 1/4, 1/2, 1/4', () => {
    // The lower 2.5% of 2000 resampled means are all 0 unless fewer than 51 of them are 0 (≈ 500 expected).
    const iv = bootstrapMean([0, 1]);
    expect(iv).to.deep.equal({ estimate: 0.5, lower: 0, upper: 1, level: 0.95, n: 2 });
  });

  it('on [0, 1] at level 0.4, is [0.5, 0.5]: the middle 40% all have mean 0.5', () => {
    const iv = bootstrapMean([0, 1], { level: 0.4, resamples: 4000 });
    expect([iv.lower, iv.upper]).to.deep.equal([0.5, 0.5]);
  });

  it('has zero width when every outcome is the same', () => {
    expect(bootstrapMean([1, 1, 1, 1, 1])).to.include({ estimate: 1, lower: 1, upper: 1 });
  });

  it('matches the binomial normal approximation p ± 1.96·sqrt(p(1-p)/n) on 4000 outcomes', () => {
    const n = 4000, p = 0.3;
    const half = 1.96 * Math.sqrt((p * (1 - p)) / n); // 0.0142
    const iv = bootstrapMean(outcomes(n, p * n, 1), { seed: 7 });
    expect(iv.estimate).to.be.closeTo(p, 1e-12);
    // Monte-Carlo error of each end with 2000 resamples ≈ 0.0004; 0.1·half ≈ 0.0014.
    expect(iv.lower).to.be.closeTo(p - half, 0.1 * half);
    expect(iv.upper).to.be.closeTo(p + half, 0.1 * half);
  });

  it('is reproducible from its seed, and another seed moves the ends only a little', () => {
    const xs = outcomes(300, 120, 2);
    expect(bootstrapMean(xs, { seed: 3 })).to.deep.equal(bootstrapMean(xs, { seed: 3 }));
    const other = bootstrapMean(xs, { seed: 4 });
    expect(other.lower).to.be.closeTo(bootstrapMean(xs, { seed: 3 }).lower, 0.02);
  });

  it('rejects a level outside (0, 1) and an empty sample', () => {
    expect(() => bootstrapMean([1], { level: 95 })).to.throw(GptLabError, /level 95/);
    expect(() => bootstrapMean([])).to.throw(GptLabError, /no outcomes/);
  });
});

describe('bootstrapPairedDifference', () => {
  // 4000 problems: 2000 both right, 600 only a, 200 only b, 1200 neither. a: 0.65, b: 0.55.
  const n = 4000;
  const order = new Rng(5).shuffle(Array.from({ length: n }, (_, i) => i));
  const a = order.map((i) => (i < 2600 ? 1 : 0));
  const b = order.map((i) => (i < 2000 || (i >= 2600 && i < 2800) ? 1 : 0));

  it('matches the normal approximation of the mean difference: 0.1 ± 1.96·sqrt(0.19/n)', () => {
    // d = a - b is +1 on 600, -1 on 200, 0 elsewhere: mean 0.1, variance 0.2 - 0.01 = 0.19.
    const half = 1.96 * Math.sqrt(0.19 / n); // 0.0135
    const iv = bootstrapPairedDifference(a, b, { seed: 11 });
    expect(iv.estimate).to.be.closeTo(0.1, 1e-12);
    expect(iv.lower).to.be.closeTo(0.1 - half, 0.1 * half);
    expect(iv.upper).to.be.closeTo(0.1 + half, 0.1 * half);
  });

  it('is narrower than the unpaired interval, which ignores that the techniques share problems', () => {
    const unpairedHalf = 1.96 * Math.sqrt((0.65 * 0.35 + 0.55 * 0.45) / n); // 0.0214
    const iv = bootstrapPairedDifference(a, b, { seed: 11 });
    expect((iv.upper - iv.lower) / 2).to.be.below(0.75 * unpairedHalf);
  });

  it('is exactly [0, 0] for two techniques right on the same problems', () => {
    const xs = outcomes(50, 20, 3);
    expect(bootstrapPairedDifference(xs, xs)).to.include({ estimate: 0, lower: 0, upper: 0 });
  });

  it('on one problem won by a, one tied: the hand case of [0, 1]', () => {
    expect(bootstrapPairedDifference([1, 0], [0, 0])).to.include({ estimate: 0.5, lower: 0, upper: 1 });
  });

  it('rejects outcomes of different lengths', () => {
    expect(() => bootstrapPairedDifference([1, 0], [1])).to.throw(GptLabError, /2 outcomes against 1/);
  });
});
