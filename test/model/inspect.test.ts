// Attention probabilities of one head: shape, causality, rows summing to 1, and the whole forward
// pass rebuilt from them (so they are exactly the weights the model uses), with no leaks.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { GPT, layerNorm, matMul2d, mlp } from '../../src/model';
import { attentionProbs, headAttention } from '../../src/model/inspect';
import { GptLabError } from '../../src/util/assert';
import { randomFloats, tinyModel } from './helpers';

/**
 * The model's logits [T, V] for ids, computed by hand with attention weights taken from
 * attentionProbs at every layer: embeddings, then per block x += merge(probs @ v) @ c_proj,
 * x += mlp(ln_2(x)), then ln_f and the tied head.
 */
function logitsThroughProbs(model: GPT, ids: number[]): tf.Tensor2D {
  const c = model.config;
  const T = ids.length;
  const C = c.nEmbd;
  const hs = C / c.nHead;
  return tf.tidy(() => {
    let x = tf.reshape(tf.add(tf.gather(model.params.wte, tf.tensor1d(ids, 'int32')), tf.slice(model.params.wpe, [0, 0], [T, C])), [1, T, C]) as tf.Tensor3D;
    for (let l = 0; l < c.nLayer; l++) {
      const p = model.params.blocks[l];
      const a = tf.reshape(layerNorm(x, p.ln1g, p.ln1b), [T, C]) as tf.Tensor2D; // [T, C]
      const v = tf.slice(tf.add(matMul2d(a, p.attnW as tf.Tensor2D), p.attnB!), [0, 2 * C], [T, C]); // [T, C]
      const vh = tf.transpose(tf.reshape(v, [T, c.nHead, hs]), [1, 0, 2]); // [nHead, T, hs]
      const heads = tf.matMul(attentionProbs(model, ids, l), vh); // [nHead, T, hs]
      const merged = tf.reshape(tf.transpose(heads, [1, 0, 2]), [T, C]) as tf.Tensor2D; // [T, C]
      const y = tf.add(matMul2d(merged, p.attnProjW as tf.Tensor2D), p.attnProjB!); // [T, C]
      x = tf.add(x, tf.reshape(y, [1, T, C])) as tf.Tensor3D;
      x = tf.add(x, mlp(layerNorm(x, p.ln2g, p.ln2b) as tf.Tensor3D, p, l)) as tf.Tensor3D;
    }
    const h = tf.reshape(layerNorm(x, model.params.lnfg, model.params.lnfb), [T, C]) as tf.Tensor2D;
    return matMul2d(h, tf.transpose(model.params.wte) as tf.Tensor2D); // [T, V]
  });
}

describe('attention probabilities (model/inspect)', () => {
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = tinyModel();
    // subtle: at GPT-2 init (std 0.02) every attention row is nearly uniform, and a test of the
    // weights would pass for any uniform guess; larger random weights make the rows uneven.
    for (const [name, v] of model.params.byName) {
      if (v.shape.length === 2) tf.tidy(() => v.assign(tf.mul(randomFloats(v.shape, name.length * 7 + v.size), 0.8)));
    }
  });
  after(() => model.dispose());

  const ids = [3, 1, 4, 1, 5, 9, 2, 6];

  it('gives [nHead, T, T] rows that sum to 1 and are zero above the diagonal', () => {
    const att = attentionProbs(model, ids.slice(0, 5), 1);
    expect(att.shape).to.deep.equal([2, 5, 5]);
    const a = att.arraySync() as number[][][];
    att.dispose();
    for (const head of a) {
      head.forEach((row, i) => {
        expect(row.reduce((s, x) => s + x, 0)).to.be.closeTo(1, 1e-5);
        row.forEach((x, j) => { if (j > i) expect(x).to.equal(0); });
      });
      expect(head[0][0]).to.be.closeTo(1, 1e-6); // the first position can only see itself
    }
  });

  it('is not uniform here, so the next test means something', () => {
    const row = headAttention(model, ids, 1, 0)[7];
    expect(Math.max(...row) - Math.min(...row)).to.be.greaterThan(0.05);
  });

  it('rebuilds the forward pass: logits through these weights equal model.forward', () => {
    const mine = logitsThroughProbs(model, ids);
    const theirs = model.forward(tf.tensor2d(ids, [1, ids.length], 'int32'));
    const a = mine.dataSync();
    const b = theirs.dataSync();
    expect(a.length).to.equal(b.length);
    for (let i = 0; i < a.length; i++) expect(a[i]).to.be.closeTo(b[i], 1e-4);
    tf.dispose([mine, theirs]);
  });

  it('rejects a layer, head or sequence outside the model, naming the value', () => {
    expect(() => attentionProbs(model, ids, 2)).to.throw(GptLabError, /layer 2 is outside 0\.\.1/);
    expect(() => headAttention(model, ids, 1, 5)).to.throw(GptLabError, /head 5 is outside 0\.\.1/);
    expect(() => attentionProbs(model, [...ids, 0], 0)).to.throw(GptLabError, /9 tokens.*blockSize \(8\)/);
    expect(() => attentionProbs(model, [11], 0)).to.throw(GptLabError, /token 11 at position 0/);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    headAttention(model, ids, 0, 1);
    attentionProbs(model, ids, 1).dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });
});
