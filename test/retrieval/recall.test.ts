// recall@k and reciprocal-rank fusion by hand.

import { expect } from 'chai';
import { recallAtK, reciprocalRankFusion } from '../../src/retrieval';
import { GptLabError } from '../../src/util/assert';

describe('recallAtK', () => {
  // q0: relevant 'b' at rank 2; q1: relevant 'x' nowhere; q2: 'e' or 'f' relevant, 'f' at rank 1.
  const rankings = [['a', 'b', 'c'], ['c', 'd'], ['f', 'e']];
  const relevant = [['b'], ['x'], ['e', 'f']];

  it('counts a question once when any relevant id is in the top k', () => {
    expect(recallAtK(rankings, relevant, 1)).to.equal(1 / 3);
    expect(recallAtK(rankings, relevant, 2)).to.equal(2 / 3);
    expect(recallAtK(rankings, relevant, 10)).to.equal(2 / 3);
  });

  it('rejects mismatched lists and k = 0', () => {
    expect(() => recallAtK(rankings, relevant.slice(1), 1)).to.throw(GptLabError, /3 rankings for 2 questions/);
    expect(() => recallAtK(rankings, relevant, 0)).to.throw(GptLabError, /k \(0\)/);
  });
});

describe('reciprocalRankFusion', () => {
  it('sums 1/(k + rank) over rankings', () => {
    const fused = reciprocalRankFusion([['a', 'b'], ['b', 'c']], 60);
    expect(fused.map((f) => f.id)).to.deep.equal(['b', 'a', 'c']);
    expect(fused[0].score).to.be.closeTo(1 / 62 + 1 / 61, 1e-15);
    expect(fused[1].score).to.be.closeTo(1 / 61, 1e-15);
    expect(fused[2].score).to.be.closeTo(1 / 62, 1e-15);
  });

  it('with k = 0, a first place outweighs second places in two rankings only when they are below it', () => {
    // x: 1/1 + 1/3 = 1.333; y: 1/2 + 1/2 = 1; z: 1/3 + 1/1 = 1.333 (tie with x: x appeared first)
    const fused = reciprocalRankFusion([['x', 'y', 'z'], ['z', 'y', 'x']], 0);
    expect(fused.map((f) => f.id)).to.deep.equal(['x', 'z', 'y']);
    expect(fused[2].score).to.equal(1);
  });

  it('rejects a ranking that lists an id twice', () => {
    expect(() => reciprocalRankFusion([['a', 'a']])).to.throw(GptLabError, /twice/);
  });
});
