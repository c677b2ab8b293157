import { expect } from 'chai';
import { accuracyRows, Comparison, pooledGain } from '../../src/sft/compare';
import { ScoredRow } from '../../src/sft/eval';

const row = (correct: boolean, stopped: boolean): ScoredRow => ({ question: 'q', expected: 'x', reply: 'r', correct, stopped });

describe('sft comparison tables', () => {
  // base: 0 of 3 right, 0 of 3 stopped; sft: 1 of 3 right, 3 of 3 stopped (set a); 2 of 2 right, 1 of 2 stopped (set b)
  const cmp: Comparison = {
    base: { a: { accuracy: 0, rows: [row(false, false), row(false, false), row(false, false)] }, b: { accuracy: 0, rows: [row(false, false), row(false, true)] } },
    sft: { a: { accuracy: 1 / 3, rows: [row(true, true), row(false, true), row(false, true)] }, b: { accuracy: 1, rows: [row(true, true), row(true, false)] } },
  };

  it('accuracyRows: percent right per set and model, one decimal', () => {
    expect(accuracyRows(cmp)).to.deep.equal([{ set: 'a', questions: 3, base: 0, sft: 33.3 }, { set: 'b', questions: 2, base: 0, sft: 100 }]);
  });

  it('pooledGain: the sets pooled, sft minus base paired per question, with the binomial bootstrap interval', () => {
    const g = pooledGain(cmp, ['a', 'b'], 'base', 'sft');
    expect(g.questions).to.equal(5);
    expect(g.from).to.equal(0);
    expect(g.to).to.be.closeTo(3 / 5, 1e-12);
    expect(g.gain.estimate).to.be.closeTo(3 / 5, 1e-12);
    // The differences are 1, 0, 0, 1, 1: a resample's mean is Binomial(5, 0.6) / 5, whose 2.5% and 97.5%
    // quantiles are 1/5 (P(0) = 1%, P(<= 1) = 8.7%) and 5/5 (P(5) = 7.8%).
    expect(g.gain.lower).to.be.closeTo(0.2, 1e-12);
    expect(g.gain.upper).to.be.closeTo(1, 1e-12);
  });

  it('pooledGain: no spread when every question moves the same way; unknown names fail naming them', () => {
    const all: Comparison = { base: { a: cmp.base.a }, sft: { a: { accuracy: 1, rows: [row(true, true), row(true, true), row(true, true)] } } };
    const g = pooledGain(all, ['a'], 'base', 'sft');
    expect([g.gain.lower, g.gain.estimate, g.gain.upper]).to.deep.equal([1, 1, 1]);
    expect(() => pooledGain(cmp, ['c'], 'base', 'sft')).to.throw(/no set 'c'.*a, b/);
    expect(() => pooledGain(cmp, ['a'], 'rlhf', 'sft')).to.throw(/no model 'rlhf'.*base, sft/);
  });

});
