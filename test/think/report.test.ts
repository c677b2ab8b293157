// Notebook 07's tables, by hand: intervals as text, accuracy by carries, ensemble rows, names.

import { expect } from 'chai';
import { Attempt, byCarries, ensembleRows, firstName, listStats, outcomesAt, percent, perSum, sampleFirstNames } from '../../src/think';
import { GPT, makeConfig } from '../../src/model';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';

const at = (key: string, correct: boolean, tokens = 10): Attempt => ({ text: `#### ${key}`, key, correct, tokens });

describe('report tables', () => {
  it('writes an interval in whole percents', () => {
    expect(percent({ estimate: 0.625, lower: 0.5, upper: 0.75 })).to.equal('63% [50, 75]');
  });

  it('groups outcomes by carries, 3 and more together', () => {
    const rows = byCarries([{ a: 12, b: 34 }, { a: 19, b: 1 }, { a: 999, b: 1 }, { a: 9999, b: 1 }, { a: 11, b: 11 }], [1, 0, 1, 0, 1]);
    expect(rows.map((r) => [r.carries, r.sums, r.right])).to.deep.equal([['0', 2, 2], ['1', 1, 0], ['3+', 2, 1]]);
  });

  it('gives vote, pass@N, best-of, oracle and tokens at each N', () => {
    const attempts = [[at('5', false, 4), at('7', true, 6)], [at('9', true, 5), at('9', true, 5)]];
    const rows = ensembleRows(attempts, [1, 2], { v: [[0, 1], [3, 1]] });
    expect(rows[0]).to.deep.equal({ N: 1, vote: 0.5, pass: (0.5 + 1) / 2, oracle: 0.5, bestOf: { v: 0.5 }, tokens: 4.5 });
    expect(rows[1]).to.deep.equal({ N: 2, vote: 0.5, pass: 1, oracle: 1, bestOf: { v: 1 }, tokens: 10 });
    expect(outcomesAt(attempts, 2, 'best-of:v', { v: [[0, 1], [3, 1]] })).to.deep.equal([1, 1]);
    expect(() => outcomesAt(attempts, 2, 'best-of:rm')).to.throw(/unknown technique/);
    expect(perSum([1, 2, 3, 4], 2)).to.deep.equal([[1, 2], [3, 4]]);
  });

  it('counts distinct and novel names', () => {
    expect(firstName(' Dusem is in the north.')).to.equal('Dusem');
    expect(firstName('is it?')).to.equal(undefined);
    expect(listStats(['Dusem', 'Dusem', 'Kaber', undefined], new Set(['Dusem']))).to.deep.equal({ samples: 4, named: 3, distinct: 2, novel: 1 });
  });
});

describe('sampleFirstNames with a stand-in model', () => {
  it('starts one document per sample and reads a name or nothing, the same for the same seed', () => {
    const tok = trainChatTokenizer(['Dusem is'], 256 + 2 + CHAT_BPE_SPECIALS.length);
    const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 32, nLayer: 1, nHead: 2, nEmbd: 16 }));
    try {
      const a = sampleFirstNames(model, tok, 5, 3);
      expect(a.length).to.equal(5);
      expect(a.every((n) => n === undefined || /^[A-Z][a-z]+$/.test(n))).to.equal(true);
      expect(sampleFirstNames(model, tok, 5, 3)).to.deep.equal(a);
    } finally {
      model.dispose();
    }
  });
});
