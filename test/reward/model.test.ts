// The reward model's pieces against independent references: the Bradley-Terry loss and its gradient
// by hand, the read-out at <|reward|> against slicing the trunk's hidden states, padding after the
// reward token changing nothing, batched scoring against one at a time, and no leaked tensors.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';
import { user } from '../../src/data/conversation';
import { GPT, makeConfig } from '../../src/model';
import {
  RewardModel, bradleyTerryLoss, fitToBlock, pairwiseAccuracy, readAt, readBatch, rewardSequence, rewardTokens,
} from '../../src/reward';
import { GptLabError } from '../../src/util/assert';
import { randomFloats } from '../model/helpers';

const tok = charTokenizer();
const chat = rewardTokens(tok);

/** A random-init trunk of the chat vocabulary. */
function tinyTrunk(blockSize = 64, seed = 7): GPT {
  return new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize, seed }));
}

/** -log sigmoid(x), written out: log(1 + e^-x). */
const nls = (x: number) => Math.log(1 + Math.exp(-x));

describe('Bradley-Terry loss', function () {
  before(async () => { await initBackend({ backend: 'wasm' }); });

  it('matches a hand computation: mean of -log sigmoid(r_chosen - r_rejected)', () => {
    // margins 1, -1, -4: log(1+e^-1) = 0.31326, log(1+e^1) = 1.31326, log(1+e^4) = 4.01815
    const loss = tf.tidy(() => bradleyTerryLoss(tf.tensor1d([2, 0, -1]), tf.tensor1d([1, 1, 3])).dataSync()[0]);
    expect(loss).to.be.closeTo((0.31326 + 1.31326 + 4.01815) / 3, 1e-4);
    expect(loss).to.be.closeTo((nls(1) + nls(-1) + nls(-4)) / 3, 1e-5);
  });

  it('is ln 2 when the rewards are equal, and depends only on their difference', () => {
    const [a, b] = tf.tidy(() => [
      bradleyTerryLoss(tf.tensor1d([0.3, -2]), tf.tensor1d([0.3, -2])).dataSync()[0],
      bradleyTerryLoss(tf.tensor1d([10.5, 8]), tf.tensor1d([10, 9])).dataSync()[0],
    ]);
    expect(a).to.be.closeTo(Math.LN2, 1e-6);
    expect(b).to.be.closeTo((nls(0.5) + nls(-1)) / 2, 1e-5);
  });

  it('stays finite for huge margins (the wrong reply ahead by 200 costs 200)', () => {
    const loss = tf.tidy(() => bradleyTerryLoss(tf.tensor1d([-100, 100]), tf.tensor1d([100, -100])).dataSync()[0]);
    expect(loss).to.be.closeTo(100, 1e-3); // (200 + ~0) / 2
  });

  it('has the closed-form gradient -sigmoid(r_rejected - r_chosen) / N, and finite differences agree', () => {
    const rc = [2, 0, -1, 0.5];
    const rr = [1, 1, 3, 0.5];
    const [gc, gr] = tf.tidy(() => tf.grads((c: tf.Tensor, r: tf.Tensor) => bradleyTerryLoss(c as tf.Tensor1D, r as tf.Tensor1D))([tf.tensor1d(rc), tf.tensor1d(rr)]).map((g) => Array.from(g.dataSync())));
    const sig = (x: number) => 1 / (1 + Math.exp(-x));
    rc.forEach((c, i) => {
      expect(gc[i]).to.be.closeTo(-sig(rr[i] - c) / rc.length, 1e-6);
      expect(gr[i]).to.be.closeTo(sig(rr[i] - c) / rc.length, 1e-6);
      const f = (d: number) => rc.reduce((s, cj, j) => s + nls(cj + (j === i ? d : 0) - rr[j]), 0) / rc.length;
      expect(gc[i]).to.be.closeTo((f(1e-4) - f(-1e-4)) / 2e-4, 1e-5);
    });
  });

  it('rejects mismatched pair counts with both counts in the message', () => {
    expect(() => tf.tidy(() => bradleyTerryLoss(tf.tensor1d([1, 2]), tf.tensor1d([1])))).to.throw(GptLabError, /2 chosen rewards but 1 rejected/);
  });

  it('counts pairwise accuracy with ties as wrong', () => {
    expect(pairwiseAccuracy([2, 0, 1, 5], [1, 1, 1, 4])).to.equal(0.5);
  });
});

describe('RewardModel', function () {
  before(async () => { await initBackend({ backend: 'wasm' }); });

  it('renders prompt, reply, <|assistant_end|>, then <|reward|> (hand-worked ids)', () => {
    const ids = rewardSequence(chat, { messages: [user('hi')] }, 'yo');
    // bos 97, user_start 98, 'h' 73, 'i' 74, user_end 99, assistant_start 100, 'y' 90, 'o' 80, assistant_end 101, reward 106
    expect(ids).to.deep.equal([97, 98, 73, 74, 99, 100, 90, 80, 101, 106]);
    expect(tok.decode([ids[ids.length - 1]])).to.equal('<|reward|>');
    // the BPE chat tokenizer: the same frame with its own ids, 'hi' and 'yo' as bytes (no merges learned)
    const bpe = trainChatTokenizer([], 256 + CHAT_BPE_SPECIALS.length);
    const b = (name: string) => bpe.special(name);
    expect(rewardSequence(rewardTokens(bpe), { messages: [user('hi')] }, 'yo')).to.deep.equal([
      b('<|bos|>'), b('<|user_start|>'), 104, 105, b('<|user_end|>'), b('<|assistant_start|>'), 121, 111, b('<|assistant_end|>'), b('<|reward|>'),
    ]);
  });

  it('fits long sequences to the context by dropping the start, so <|reward|> stays last', () => {
    expect(fitToBlock([1, 2, 3, 4, 5], 3)).to.deep.equal([3, 4, 5]);
    const b = readBatch([[5, 6, 106], [7, 106], [1, 2, 3, 4, 106]], 0, 4);
    expect(b.shape).to.deep.equal([3, 4]);
    expect(Array.from(b.ids)).to.deep.equal([5, 6, 106, 0, 7, 106, 0, 0, 2, 3, 4, 106]);
    expect(Array.from(b.readIndex)).to.deep.equal([2, 1, 3]);
  });

  it('readAt picks h[b, readIndex[b]] and sends the gradient only there', () => {
    const [got, want, grad] = tf.tidy(() => {
      const h = randomFloats([3, 5, 4], 1) as tf.Tensor3D;
      const idx = [4, 0, 2];
      const rows = h.arraySync() as number[][][];
      const g = tf.grad((x: tf.Tensor) => tf.sum(readAt(x as tf.Tensor3D, tf.tensor1d(idx, 'int32'))))(h);
      return [readAt(h, tf.tensor1d(idx, 'int32')).arraySync(), idx.map((t, b) => rows[b][t]), g.arraySync() as number[][][]];
    });
    (got as number[][]).forEach((row, b) => row.forEach((v, c) => expect(v).to.be.closeTo(want[b][c], 1e-6)));
    grad.forEach((rows, b) => rows.forEach((row, t) => row.forEach((v) => expect(v).to.equal(t === [4, 0, 2][b] ? 1 : 0))));
  });

  it('reads the reward at <|reward|>: equal to head(hidden state there), computed by slicing', () => {
    const rm = RewardModel.fromTrunk(tinyTrunk(), 3);
    const seqs = [rewardSequence(chat, { messages: [user('What is 2+2?')] }, 'Sure! 2+2=4.'), rewardSequence(chat, { messages: [user('Hi')] }, 'Hello.')];
    const got = rm.scoreSequences(seqs);
    const want = seqs.map((s) => tf.tidy(() => {
      const { h } = rm.trunk.hidden(tf.tensor2d(s, [1, s.length], 'int32')); // [1, T, C]
      const last = tf.slice(h, [0, s.length - 1, 0], [1, 1, rm.trunk.config.nEmbd]).reshape([1, -1]); // [1, C]
      return tf.add(tf.matMul(last, rm.headW), rm.headB).dataSync()[0];
    }));
    got.forEach((r, i) => expect(r).to.be.closeTo(want[i], 1e-5));
    rm.dispose();
  });

  it('ignores everything after <|reward|> (padding) but not a change in the reply', () => {
    const rm = RewardModel.fromTrunk(tinyTrunk(), 3);
    const prompt = { messages: [user('Where does Fofi live?')] };
    const s = rewardSequence(chat, prompt, 'Fofi lives in Foden.');
    const T = s.length + 6;
    const padded = (pad: number[]) => tf.tidy(() => {
      const ids = tf.tensor2d([...s, ...pad], [1, T], 'int32');
      return rm.rewards(ids, tf.tensor1d([s.length - 1], 'int32')).dataSync()[0];
    });
    const a = padded([0, 0, 0, 0, 0, 0]);
    const b = padded([40, 41, 42, 106, 97, 3]);
    expect(b).to.be.closeTo(a, 1e-6);
    const other = rm.score([prompt], ['Fofi lives in Safak.'], chat)[0];
    expect(Math.abs(other - a)).to.be.above(1e-4);
    rm.dispose();
  });

  it('scores a batch as it scores each reply alone (padding to the longest changes nothing)', () => {
    const rm = RewardModel.fromTrunk(tinyTrunk(), 5);
    const prompts = [{ messages: [user('What is 5+7?')] }, { messages: [user('How old is Mokal?')] }, { messages: [user('Hi')] }];
    const replies = ['Sure! 5+7=12.', 'Obviously, Mokal is 27 years old.', 'Hello.'];
    const batched = rm.score(prompts, replies, chat, 2);
    const alone = prompts.map((p, i) => rm.score([p], [replies[i]], chat)[0]);
    batched.forEach((r, i) => expect(r).to.be.closeTo(alone[i], 1e-5));
    rm.dispose();
  });

  it('leaves the trunk it was copied from untouched and leaks nothing when scoring', () => {
    const trunk = tinyTrunk();
    const before = Array.from(trunk.params.wte.dataSync());
    const rm = RewardModel.fromTrunk(trunk);
    tf.tidy(() => rm.trunk.params.wte.assign(tf.zerosLike(rm.trunk.params.wte)));
    expect(Array.from(trunk.params.wte.dataSync())).to.deep.equal(before);
    const n = tf.memory().numTensors;
    rm.score([{ messages: [user('Hi')] }], ['Hello.'], chat);
    expect(tf.memory().numTensors).to.equal(n);
    rm.dispose();
    trunk.dispose();
  });

  it('frees everything it made on dispose (trunk copy and head)', () => {
    const trunk = tinyTrunk();
    const n = tf.memory().numTensors;
    RewardModel.fromTrunk(trunk).dispose();
    expect(tf.memory().numTensors).to.equal(n);
    trunk.dispose();
  });

  it('rejects a head of the wrong width, naming both sizes', () => {
    const trunk = tinyTrunk();
    const w = tf.variable(tf.zeros([8, 1]));
    const b = tf.variable(tf.zeros([1]));
    expect(() => new RewardModel(trunk, w, b)).to.throw(GptLabError, /\[8,1\].*nEmbd 16/);
    tf.dispose([w, b]);
    trunk.dispose();
  });
});
