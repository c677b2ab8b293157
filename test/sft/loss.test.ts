// The SFT loss: which positions count (pinned on a hand-written conversation), its value against a
// plain-JavaScript computation from the logits, and that padding and user text carry no gradient.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { assistant, renderConversation, say, user } from '../../src/data/conversation';
import { GPT, makeConfig } from '../../src/model';
import { countedPositions, maskedCrossEntropy, sftBatch, sftLoss } from '../../src/sft';

const tok = charTokenizer();
const chat = chatTokens(tok);
const conv = { messages: [user('hi'), assistant(say('yo'))] };

/** -log softmax(row)[target] in float64. */
function nll(row: ArrayLike<number>, target: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i] - max);
  return -(row[target] - max - Math.log(z));
}

describe('SFT loss', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('counts exactly the positions whose target is an assistant token or <|assistant_end|>', () => {
    // ids: <|bos|> <|user_start|> h i <|user_end|> <|assistant_start|> y o <|assistant_end|>
    const r = renderConversation(conv, chat);
    const batch = sftBatch(tok, [r], 64);
    expect(batch.shape).to.deep.equal([1, 16]); // 8 inputs, rounded up to 16
    const counted = [...batch.lossMask].flatMap((m, t) => (m === 1 ? [t] : []));
    expect(counted).to.deep.equal([5, 6, 7]);
    // at those positions the model reads <|assistant_start|>, 'y', 'o' and must predict 'y', 'o', <|assistant_end|>
    expect(counted.map((t) => tok.decode([batch.x[t]]))).to.deep.equal(['<|assistant_start|>', 'y', 'o']);
    expect(counted.map((t) => tok.decode([batch.y[t]]))).to.deep.equal(['y', 'o', '<|assistant_end|>']);
    expect(countedPositions(batch)).to.equal(3);
  });

  it('never counts padding or the user turn in a batch of two conversations', () => {
    const long = { messages: [user('What is 2+3?'), assistant(say('5'))] };
    const batch = sftBatch(tok, [renderConversation(conv, chat), renderConversation(long, chat)], 64);
    const [, T] = batch.shape;
    const row = (b: number) => [...batch.lossMask.slice(b * T, (b + 1) * T)].flatMap((m, t) => (m === 1 ? [t] : []));
    expect(row(0)).to.deep.equal([5, 6, 7]);
    // 'What is 2+3?' is 12 characters: <|assistant_start|> is input 15, then '5' and <|assistant_end|> are targets 15, 16
    expect(row(1)).to.deep.equal([15, 16]);
    expect(batch.y[T + 16]).to.equal(tok.special('<|assistant_end|>'));
  });

  it('is the mean of -log p(target) over counted positions, as computed by hand from the logits', () => {
    const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 48, seed: 3 }));
    const long = { messages: [user('Where is Dusem?'), assistant(say('Dusem is in the north.'))] };
    const batch = sftBatch(tok, [renderConversation(conv, chat), renderConversation(long, chat)], 48);
    const [B, T] = batch.shape;
    const logits = model.forward(tf.tensor2d(batch.x, [B, T], 'int32'));
    const data = logits.dataSync();
    logits.dispose();
    const V = tok.vocabSize;
    let sum = 0;
    let count = 0;
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < T; t++) {
        if (batch.lossMask[b * T + t] === 0) continue;
        sum += nll(data.subarray((b * T + t) * V, (b * T + t + 1) * V), batch.y[b * T + t]);
        count += 1;
      }
    }
    expect(count).to.equal(3 + 'Dusem is in the north.'.length + 1);
    const loss = sftLoss(model, batch);
    expect(loss.dataSync()[0]).to.be.closeTo(sum / count, 1e-5);
    loss.dispose();
    model.dispose();
  });

  it('averages over counted positions only, and is 0 (not NaN) when nothing counts', () => {
    // uniform logits: ln 4 whatever is counted; then a hand example with one counted row
    const mean = maskedCrossEntropy(tf.zeros([3, 4]) as tf.Tensor2D, tf.tensor1d([0, 1, 2], 'int32'), tf.tensor1d([1, 0, 1], 'int32'));
    expect(mean.dataSync()[0]).to.be.closeTo(Math.log(4), 1e-6);
    const logits = tf.tensor2d([[2, 0, 0], [0, 5, 0]]);
    const one = maskedCrossEntropy(logits, tf.tensor1d([0, 2], 'int32'), tf.tensor1d([0, 1], 'int32'));
    expect(one.dataSync()[0]).to.be.closeTo(Math.log(Math.exp(5) + 2) - 0, 1e-5); // -log(e^0 / (1 + e^5 + 1))
    const none = maskedCrossEntropy(logits, tf.tensor1d([0, 2], 'int32'), tf.tensor1d([0, 0], 'int32'));
    expect(none.dataSync()[0]).to.equal(0);
    tf.dispose([mean, logits, one, none]);
  });

  it('sends no gradient to the logits of uncounted positions', () => {
    const logits = tf.tensor2d([[1, 2, 3], [0, 1, 0], [3, 1, 2]]);
    const g = tf.grad((l: tf.Tensor) => maskedCrossEntropy(l as tf.Tensor2D, tf.tensor1d([0, 1, 2], 'int32'), tf.tensor1d([1, 0, 1], 'int32')))(logits);
    const rows = g.arraySync() as number[][];
    expect(rows[1].map(Math.abs)).to.deep.equal([0, 0, 0]);
    // counted rows: (softmax - onehot) / 2
    const sm = (r: number[]) => { const z = r.reduce((s, x) => s + Math.exp(x), 0); return r.map((x) => Math.exp(x) / z); };
    sm([1, 2, 3]).forEach((p, i) => expect(rows[0][i]).to.be.closeTo((p - (i === 0 ? 1 : 0)) / 2, 1e-6));
    tf.dispose([logits, g]);
  });

  it('leaks no tensors', () => {
    const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 16, seed: 4 }));
    const batch = sftBatch(tok, [renderConversation(conv, chat)], 16);
    const before = tf.memory().numTensors;
    const loss = sftLoss(model, batch);
    loss.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    model.dispose();
  });
});
