// Mean-pooled embeddings of a tiny random GPT: the mean of its hidden states taken by hand, padding
// without effect, batching without effect, a fingerprint of the weights; no leaks.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { GPT } from '../../src/model';
import { embedTexts, meanPooled, meanPooledEncoder } from '../../src/retrieval';
import { GptLabError } from '../../src/util/assert';
import { tinyModel } from '../model/helpers';

/** The hidden states of one unpadded sequence, averaged over positions in plain JavaScript. */
function handMean(model: GPT, ids: number[]): number[] {
  const h = tf.tidy(() => model.hidden(tf.tensor2d([ids], [1, ids.length], 'int32')).h.arraySync()[0]); // [T, C]
  return h[0].map((_, c) => h.reduce((s, row) => s + row[c], 0) / h.length);
}

describe('meanPooled', () => {
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = tinyModel();
  });
  after(() => model.dispose());

  it('averages the final hidden states over each row, leaving padding out', () => {
    const rows = [[3, 1, 4, 1, 5], [2, 7, 0, 0, 0], [9, 9, 9, 6, 0]];
    const lengths = [5, 2, 4];
    const ids = tf.tensor2d(rows, [3, 5], 'int32');
    const got = meanPooled(model, ids, lengths);
    expect(got.shape).to.deep.equal([3, model.config.nEmbd]);
    const arr = got.arraySync();
    rows.forEach((r, b) => {
      const want = handMean(model, r.slice(0, lengths[b]));
      arr[b].forEach((x, c) => expect(x).to.be.closeTo(want[c], 1e-5));
    });
    tf.dispose([ids, got]);
  });

  it('does not depend on the padding id', () => {
    const a = tf.tensor2d([[2, 7, 0, 0]], [1, 4], 'int32'), b = tf.tensor2d([[2, 7, 10, 3]], [1, 4], 'int32');
    const ea = meanPooled(model, a, [2]), eb = meanPooled(model, b, [2]);
    expect(tf.max(tf.abs(tf.sub(ea, eb))).dataSync()[0]).to.be.below(1e-6);
    tf.dispose([a, b, ea, eb]);
  });

  it('rejects a length of 0 or beyond the padded width', () => {
    const ids = tf.zeros([1, 3], 'int32') as tf.Tensor2D;
    expect(() => meanPooled(model, ids, [0])).to.throw(GptLabError, /length 0 must be in 1..3/);
    expect(() => meanPooled(model, ids, [4])).to.throw(GptLabError, /length 4/);
    ids.dispose();
  });

  it('embeds texts in batches, each as if alone, cropped to blockSize', () => {
    // A byte-ish tokenizer over the tiny vocab (11): char code mod 11.
    const encode = (s: string) => [...s].map((ch) => ch.charCodeAt(0) % 11);
    const texts = ['abc', 'hello', 'z', 'a longer text than the block'];
    const before = tf.memory().numTensors;
    const all = embedTexts(model, encode, texts, { batchSize: 3, padId: 5 });
    expect(tf.memory().numTensors).to.equal(before + 1);
    const arr = all.arraySync();
    texts.forEach((t, i) => {
      const want = handMean(model, encode(t).slice(0, model.config.blockSize));
      arr[i].forEach((x, c) => expect(x).to.be.closeTo(want[c], 1e-5));
    });
    all.dispose();
    expect(() => embedTexts(model, encode, ['ok', ''])).to.throw(GptLabError, /text 1 encodes to no tokens/);
  });

  it('leaks nothing inside a tidy, and its gradient reaches the weights (it can be trained)', () => {
    const ids = tf.tensor2d([[1, 2, 3]], [1, 3], 'int32');
    const before = tf.memory().numTensors;
    tf.tidy(() => { meanPooled(model, ids, [3]); });
    expect(tf.memory().numTensors).to.equal(before);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(meanPooled(model, ids, [3]))) as tf.Scalar, model.variables());
    const gradNorm = tf.tidy(() => tf.addN(Object.values(grads).map((g) => tf.sum(tf.abs(g)))).dataSync()[0]);
    expect(gradNorm).to.be.above(0);
    value.dispose();
    tf.dispose(Object.values(grads));
    expect(tf.memory().numTensors).to.equal(before);
    ids.dispose();
  });

  it('names the encoder with a fingerprint that changes when a weight does', () => {
    const info = meanPooledEncoder(model, 'tiny');
    expect(info.name).to.equal('mean-pooled tiny');
    expect(info.fingerprint).to.match(/^[0-9a-f]{16}$/);
    const other = tinyModel(); // the same init seed: the same weights
    expect(meanPooledEncoder(other, 'tiny').fingerprint).to.equal(info.fingerprint);
    const wte = other.params.wte;
    tf.tidy(() => wte.assign(tf.mul(wte, 1.001)));
    expect(meanPooledEncoder(other, 'tiny').fingerprint).to.not.equal(info.fingerprint);
    other.dispose();
  });
});
