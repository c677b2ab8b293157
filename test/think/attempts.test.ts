// Techniques over attempts (vote, pass@k, best-of, oracle, tokens), check-and-retry, and sampling sums
// with a stand-in model.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { checkAnswer } from '../../src/data/world/answers';
import { GPT, makeConfig } from '../../src/model';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';
import {
  Attempt, bestOfOutcome, checkAndRetry, oracleOutcome, passOutcome, sampleSums, tokensOf, voteOutcome,
} from '../../src/think';

const at = (key: string, correct: boolean, tokens = 10): Attempt => ({ text: `#### ${key}`, key, correct, tokens });

/** C(n, k) by the multiplicative formula, for the closed form of pass@k. */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

describe('technique outcomes', () => {
  const attempts = [at('5', false, 8), at('7', true, 12), at('7', true, 9), at('6', false, 11)];

  it('votes over the first k attempts, ties to the earliest answer', () => {
    expect(voteOutcome(attempts, 1)).to.equal(0);
    expect(voteOutcome(attempts, 2)).to.equal(0); // 5 and 7 tie; 5 came first
    expect(voteOutcome(attempts, 3)).to.equal(1);
    expect(voteOutcome(attempts, 4)).to.equal(1);
    expect(voteOutcome([at('', false), at('7', true)], 2)).to.equal(1); // no answer abstains
    expect(voteOutcome([at('', false)], 1)).to.equal(0);
  });

  it('gives pass@k as 1 - C(n-c, k) / C(n, k) over all attempts', () => {
    for (let k = 1; k <= 4; k++) expect(passOutcome(attempts, k)).to.be.closeTo(1 - choose(2, k) / choose(4, k), 1e-12);
    expect(passOutcome(attempts, 1)).to.equal(0.5);
  });

  it('keeps the attempt the scorer ranks highest among the first k', () => {
    expect(bestOfOutcome(attempts, [0.9, 0.1, 0.2, 5], 3)).to.equal(0);
    expect(bestOfOutcome(attempts, [0.1, 0.9, 0.2, 5], 3)).to.equal(1);
    expect(bestOfOutcome(attempts, [0.1, 0.9, 0.2, 5], 4)).to.equal(0);
    expect(bestOfOutcome(attempts, [1, 1, 1, 1], 4)).to.equal(0); // ties: the first
  });

  it('counts the oracle and the tokens of the first k', () => {
    expect(oracleOutcome(attempts, 1)).to.equal(0);
    expect(oracleOutcome(attempts, 2)).to.equal(1);
    expect(tokensOf(attempts, 3)).to.equal(8 + 12 + 9);
    expect(() => tokensOf(attempts, 5)).to.throw(/k \(5\) must be in 1..4/);
  });
});

describe('checkAndRetry', () => {
  const attempts = [at('5', false, 10), at('7', true, 12), at('7', true, 9)];

  it('keeps the first attempt its check calls right, paying for every attempt and check run', () => {
    const r = checkAndRetry(attempts, [{ verdict: 'wrong', tokens: 15 }, { verdict: 'right', tokens: 16 }, { verdict: 'right', tokens: 1 }], 3);
    expect(r).to.deep.equal({ index: 1, correct: true, used: 2, tokens: 10 + 15 + 12 + 16, change: 'wrong→right' });
  });

  it('keeps the first attempt when every check says wrong (or gives no verdict)', () => {
    const r = checkAndRetry(attempts, [{ verdict: 'wrong', tokens: 3 }, { verdict: undefined, tokens: 4 }, { verdict: 'wrong', tokens: 5 }], 3);
    expect(r).to.deep.equal({ index: 0, correct: false, used: 3, tokens: 10 + 3 + 12 + 4 + 9 + 5, change: 'same' });
  });

  it('can turn a right answer wrong', () => {
    const right = [at('7', true, 1), at('6', false, 1)];
    expect(checkAndRetry(right, [{ verdict: 'wrong', tokens: 1 }, { verdict: 'right', tokens: 1 }], 2).change).to.equal('right→wrong');
    expect(checkAndRetry(right, [{ verdict: 'right', tokens: 1 }, { verdict: 'right', tokens: 1 }], 1)).to.include({ used: 1, tokens: 2, change: 'same' });
  });
});

describe('sampleSums with a stand-in model', () => {
  const tok = trainChatTokenizer(['What is'], 256 + 2 + CHAT_BPE_SPECIALS.length);
  let model: GPT;
  before(() => { model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 64, nLayer: 1, nHead: 2, nEmbd: 16 })); });
  after(() => model.dispose());

  it('draws n attempts per sum, independent of the batch, scored like the task checker, without leaks', () => {
    const sums = [{ a: 12, b: 34 }, { a: 5, b: 7 }, { a: 99, b: 1 }];
    const before = tf.memory().numTensors;
    const a = sampleSums(model, tok, sums, () => ({ kind: 'format', format: 'worked' }), { n: 3, temperature: 1, seed: 4, maxTokens: 12, batchSize: 2 });
    const b = sampleSums(model, tok, sums, () => ({ kind: 'format', format: 'worked' }), { n: 3, temperature: 1, seed: 4, maxTokens: 12, batchSize: 64 });
    expect(tf.memory().numTensors).to.equal(before);
    expect(a).to.deep.equal(b);
    expect(a.map((x) => x.length)).to.deep.equal([3, 3, 3]);
    a.forEach((xs, q) => xs.forEach((x) => {
      expect(x.tokens).to.be.within(1, 12);
      expect(x.correct).to.equal(checkAnswer({ kind: 'number', value: sums[q].a + sums[q].b }, x.text));
    }));
    const greedy = sampleSums(model, tok, sums, () => ({ kind: 'format', format: 'direct' }), { n: 3, temperature: 0, seed: 4, maxTokens: 12 });
    greedy.forEach((xs) => expect(new Set(xs.map((x) => x.text)).size).to.equal(1));
  });
});
