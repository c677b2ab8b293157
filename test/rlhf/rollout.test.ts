// Rollouts on a random-init tiny GPT with the chat vocabulary (107): batched KV-cache sampling
// against the single-sequence generator, per-token log-probs against a row-by-row softmax, the reply
// mask, and no leaked tensors.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { hashSeed } from '../../src/data/rng';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { user } from '../../src/data/conversation';
import { GPT, makeConfig } from '../../src/model';
import { generate } from '../../src/sample';
import { batchTensors, makeRollout, promptIds, replyBatch, replyIds, replyText, rowSums, sampleReplies, sequenceLogProbs, tokenLogProbs } from '../../src/rlhf';

const tok = charTokenizer();
const chat = chatTokens(tok);
const model = () => new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 64 }));

describe('rollouts', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  const prompts = ['Where is Dusem?', 'Who owns Rex?', 'Where is Tamor?', 'Hi'].map((q) => promptIds({ messages: [user(q)] }, chat));

  it('renders a prompt conversation and a reply as ids', () => {
    expect(promptIds({ messages: [user('hi')] }, chat)).to.deep.equal([chat.bos, chat.userStart, ...tok.encode('hi'), chat.userEnd, chat.assistantStart]);
    expect(replyIds('yo', chat, 6, 8)).to.deep.equal([...tok.encode('yo'), chat.assistantEnd]);
    expect(replyIds('yo', chat, 6, 6)).to.deep.equal(tok.encode('y')); // cut to fit blockSize + 1
    expect(replyText(tok, [...tok.encode('Hi.'), chat.assistantEnd, ...tok.encode('x')], chat.assistantEnd)).to.equal('Hi.');
    expect(replyText(tok, [...tok.encode('a'), chat.userStart, ...tok.encode('b')], chat.assistantEnd)).to.equal('ab');
  });

  it('samples what the single-sequence generator samples from the same seed, row by row', () => {
    const m = model();
    // A stop token that a random model does pick now and then: 'e'.
    const stopId = tok.encode('e')[0];
    const out = sampleReplies(m, prompts, { maxTokens: 12, stopId, seed: 5 });
    prompts.forEach((p, b) => {
      const ref = generate(m, p, { maxTokens: 12, temperature: 1, seed: hashSeed(5, b), stopTokens: [stopId] });
      expect(out.replies[b], `row ${b}`).to.deep.equal(ref);
      expect(out.finished[b]).to.equal(ref[ref.length - 1] === stopId);
    });
    m.dispose();
  });

  it('builds a batch whose mask covers exactly the reply tokens', () => {
    const b = replyBatch([[1, 2], [3]], [[7, 8], [9]]);
    expect(b.shape).to.deep.equal([2, 3]);
    expect([...b.x]).to.deep.equal([1, 2, 7, 3, 0, 0]);
    expect([...b.y]).to.deep.equal([2, 7, 8, 9, 0, 0]);
    expect([...b.lossMask]).to.deep.equal([0, 1, 1, 1, 0, 0]);
  });

  it('gives per-token log-probs equal to a log-softmax of each row\'s own forward pass', () => {
    const m = model();
    const replies = [[5, 6, chat.assistantEnd], [7], [8, 9], [10, 11, 12, 13]];
    const batch = replyBatch(prompts, replies);
    const [B, T] = batch.shape;
    const got = tf.tidy(() => {
      const { x, y } = batchTensors(batch);
      return tokenLogProbs(m, x, y).dataSync();
    });
    const seqTotals = tf.tidy(() => sequenceLogProbs(m, prompts, replies).dataSync());
    prompts.forEach((p, b) => {
      const ids = [...p, ...replies[b]];
      const logits = tf.tidy(() => m.forward(tf.tensor2d(ids.slice(0, -1), [1, ids.length - 1], 'int32')).arraySync()[0]);
      let total = 0;
      for (let t = 0; t < ids.length - 1; t++) {
        const row = logits[t];
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
        const want = row[ids[t + 1]] - lse;
        expect(got[b * T + t]).to.be.closeTo(want, 1e-4);
        if (t >= p.length - 1) total += want;
      }
      expect(seqTotals[b]).to.be.closeTo(total, 1e-3);
    });
    expect(B).to.equal(4);
    m.dispose();
  });

  it('scores a rollout under policy and reference (equal for equal weights) without leaking tensors', () => {
    const policy = model();
    const reference = model(); // same seed: same weights
    const before = tf.memory().numTensors;
    const r = makeRollout(policy, reference, prompts, { maxTokens: 10, stopId: chat.assistantEnd, seed: 3 });
    expect(tf.memory().numTensors).to.equal(before);
    expect(r.replies.map((x) => x.length)).to.deep.equal(r.finished.map((f, b) => (f ? r.replies[b].length : 10)));
    const [B, T] = r.batch.shape;
    for (let i = 0; i < B * T; i++) {
      if (r.batch.lossMask[i] === 0) expect(r.oldLogp[i]).to.equal(0);
      else expect(r.oldLogp[i]).to.be.below(0);
      expect(r.refLogp[i]).to.be.closeTo(r.oldLogp[i], 1e-5);
    }
    const totals = rowSums(r.oldLogp, r.batch.lossMask, r.batch.shape);
    expect(totals).to.have.length(4);
    expect(rowSums([1, 2, 3, 4], [1, 1, 0, 1], [2, 2])).to.deep.equal([3, 4]);
    policy.dispose();
    reference.dispose();
  });

  it('refuses a prompt that leaves no room for maxTokens', () => {
    const m = model();
    expect(() => sampleReplies(m, [new Array(60).fill(1)], { maxTokens: 10, stopId: chat.assistantEnd, seed: 1 })).to.throw(/exceeds blockSize 64/);
    m.dispose();
  });
});
