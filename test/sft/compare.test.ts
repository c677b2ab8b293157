import { expect } from 'chai';
import { accuracyRows, Comparison } from '../../src/sft/compare';
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

});
