import { expect } from 'chai';
import { bestPair, decodeBasic, encodeBasic, getStats, merge, trainBasic, vocabBytes } from '../../src/tokenizer/base';

describe('tokenizer/base (BPE by hand)', () => {
  it('counts adjacent pairs', () => {
    expect([...getStats([1, 2, 3, 1, 2])]).to.deep.equal([['1,2', 2], ['2,3', 1], ['3,1', 1]]);
    expect(getStats([7]).size).to.equal(0);
  });

  it('merges occurrences left to right without overlap', () => {
    expect(merge([1, 2, 3, 1, 2], [1, 2], 4)).to.deep.equal([4, 3, 4]);
    expect(merge([5, 5, 5], [5, 5], 6)).to.deep.equal([6, 5]);
  });

  it('breaks count ties by the smaller ids', () => {
    expect(bestPair(new Map([['3,1', 2], ['1,2', 2], ['2,3', 1]]))).to.deep.equal([1, 2]);
    expect(bestPair(new Map([['1,9', 2], ['1,2', 2]]))).to.deep.equal([1, 2]);
    expect(bestPair(new Map())).to.equal(undefined);
  });

  it("reproduces minbpe's Wikipedia example: aaabdaaabac, 3 merges → [258, 100, 258, 97, 99]", () => {
    const merges = trainBasic('aaabdaaabac', 256 + 3);
    expect(merges).to.deep.equal([[97, 97], [97, 98], [256, 257]]);
    const ids = encodeBasic('aaabdaaabac', merges);
    expect(ids).to.deep.equal([258, 100, 258, 97, 99]);
    expect(decodeBasic(ids, merges)).to.equal('aaabdaaabac');
  });

  it('stops early when no pair is left', () => {
    expect(trainBasic('ab', 300)).to.deep.equal([[97, 98]]);
    expect(trainBasic('', 300)).to.deep.equal([]);
  });

  it('builds token bytes from merges', () => {
    expect(Array.from(vocabBytes([[104, 105], [256, 33]])[257])).to.deep.equal([104, 105, 33]);
  });
});
