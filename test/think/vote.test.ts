// Majority vote: answer keys, the earliest-first tie rule, abstentions; best-of-N and its ties.

import { expect } from 'chai';
import { answerKey, argmaxFirst, bestOfN, bestOfNBatched, majorityVote } from '../../src/think';
import { GptLabError } from '../../src/util/assert';

describe('answerKey', () => {
  it('reads the number after #### in a worked reply', () => {
    expect(answerKey('7+5=12, write 2, carry 1.\n4+8+1=13, write 3, carry 1.\n3+1=4, write 4.\n#### 432')).to.equal('432');
  });

  it('gives the same key to replies that differ only in case, punctuation and thousands commas', () => {
    expect(answerKey('Forum lives in FODEN!')).to.equal(answerKey('forum lives in foden.'));
    expect(answerKey('#### 1,234')).to.equal('1234');
  });

  it('is empty for a reply with no answer', () => {
    expect(answerKey(' ?! ')).to.equal('');
    expect(answerKey('')).to.equal('');
  });
});

describe('majorityVote', () => {
  it('keeps the answer most replies give', () => {
    const v = majorityVote(['#### 12', '#### 13', 'steps\n#### 13', '#### 14']);
    expect(v.key).to.equal('13');
    expect(v.votes).to.equal(2);
    expect(v.index).to.equal(1);
    expect([...v.counts]).to.deep.equal([['12', 1], ['13', 2], ['14', 1]]);
  });

  it('breaks a tie by the earliest first vote, whatever the order of later votes', () => {
    expect(majorityVote(['#### 5', '#### 9', '#### 9', '#### 5']).key).to.equal('5');
    expect(majorityVote(['#### 9', '#### 5', '#### 5', '#### 9']).key).to.equal('9');
    expect(majorityVote(['#### 1', '#### 2', '#### 3']).index).to.equal(0);
  });

  it('does not count replies without an answer, even when they are the most common', () => {
    const v = majorityVote(['?', '...', '#### 7', '']);
    expect(v).to.include({ key: '7', index: 2, votes: 1 });
  });

  it('returns an empty key and index -1 when every reply abstains', () => {
    expect(majorityVote(['?', ''])).to.include({ key: '', index: -1, votes: 0 });
  });

  it('takes another key function', () => {
    expect(majorityVote(['a1', 'b1', 'b2'], (r) => r[0]).key).to.equal('b');
  });

  it('rejects an empty list', () => {
    expect(() => majorityVote([])).to.throw(GptLabError, /no replies/);
  });
});

describe('bestOfN', () => {
  it('keeps the highest-scoring candidate', () => {
    expect(bestOfN(['a', 'bbb', 'cc'], (s) => s.length)).to.deep.equal({ index: 1, candidate: 'bbb', score: 3 });
  });

  it('keeps the earliest of tied candidates', () => {
    expect(argmaxFirst([0.5, 2, 2, 1])).to.equal(1);
    expect(bestOfN(['x', 'y', 'z'], () => 0).index).to.equal(0);
  });

  it('fails on a NaN score, naming its index', () => {
    expect(() => argmaxFirst([1, NaN])).to.throw(GptLabError, /score 1 is NaN/);
  });

  it('scores in one batched, async call', async () => {
    const best = await bestOfNBatched(['#### 1', '#### 2'], async (cs) => cs.map((c) => (c.endsWith('2') ? 1 : 0)));
    expect(best).to.deep.equal({ index: 1, candidate: '#### 2', score: 1 });
    let err: unknown;
    try { await bestOfNBatched(['a', 'b'], () => [1]); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(GptLabError);
  });
});
