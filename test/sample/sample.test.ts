// Sampling: the pick rules on hand-made logits, the KV cache against full forward passes, sliding
// past blockSize, stop tokens, seeds, and no leaks.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend, withBackend } from '../../src/backend';
import { Rng } from '../../src/data/rng';
import { GPT } from '../../src/model';
import { argmax, generate, KVCache, lastLogits, pickToken, tokenProbs } from '../../src/sample';
import { GptLabError } from '../../src/util/assert';
import { tinyModel } from '../model/helpers';

function expectProbs(actual: Float64Array, expected: number[]): void {
  expect(actual.length).to.equal(expected.length);
  expected.forEach((p, i) => expect(actual[i]).to.be.closeTo(p, 1e-9));
}

describe('tokenProbs and pickToken', () => {
  it('is softmax at temperature 1', () => {
    expectProbs(tokenProbs([0, Math.log(3)]), [0.25, 0.75]);
  });

  it('sharpens with temperature: T = 0.5 squares the odds', () => {
    expectProbs(tokenProbs([0, Math.log(3)], { temperature: 0.5 }), [0.1, 0.9]);
  });

  it('is greedy at temperature 0', () => {
    expectProbs(tokenProbs([1, 5, 2], { temperature: 0 }), [0, 1, 0]);
    expect(pickToken([1, 5, 2], { temperature: 0 }, new Rng(1))).to.equal(1);
  });

  it('keeps the k most likely with top-k', () => {
    expectProbs(tokenProbs([0, Math.log(2), Math.log(3), -1], { topK: 2 }), [0, 0.4, 0.6, 0]);
  });

  it('keeps the smallest nucleus reaching p with top-p', () => {
    // probs 0.1, 0.2, 0.7: p = 0.7 keeps the top token alone; p = 0.8 needs the top two
    const logits = [Math.log(1), Math.log(2), Math.log(7)];
    expectProbs(tokenProbs(logits, { topP: 0.7 }), [0, 0, 1]);
    expectProbs(tokenProbs(logits, { topP: 0.8 }), [0, 2 / 9, 7 / 9]);
  });

  it('rejects bad options, naming the value', () => {
    expect(() => tokenProbs([0, 1], { topP: 0 })).to.throw(GptLabError, /topP \(0\)/);
    expect(() => tokenProbs([0, 1], { temperature: -1 })).to.throw(GptLabError, /temperature \(-1\)/);
  });

  it('draws in proportion to the probabilities (uniform stand-in logits)', () => {
    const rng = new Rng(3);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[pickToken([0, 0, 0, 0], {}, rng)]++;
    counts.forEach((c) => expect(c).to.be.closeTo(2000, 150));
  });
});

describe('KV cache', () => {
  let model: GPT;
  before(async () => { await initBackend({ backend: 'cpu' }); model = tinyModel({ seed: 21 }); });
  after(() => model.dispose());

  it('gives the logits of a full forward pass, token by token (within 1e-4)', () => {
    const ids = [3, 1, 4, 1, 5, 9, 2, 6];
    const cache = new KVCache(model);
    const steps = [cache.append(ids.slice(0, 3))];
    for (let t = 3; t < ids.length; t++) steps.push(cache.append([ids[t]]));
    cache.dispose();
    steps.forEach((logits, s) => {
      const full = lastLogits(model, ids.slice(0, s + 3));
      for (let v = 0; v < full.length; v++) expect(logits[v]).to.be.closeTo(full[v], 1e-4);
    });
  });

  it('slides past blockSize to a fresh pass over the kept window', () => {
    const cache = new KVCache(model, 4);
    const ids = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    cache.append(ids.slice(0, 8)); // full: 8 = blockSize
    const logits = cache.append([9]); // slides: keeps 6, 7, 8, 9
    expect(cache.length).to.equal(4);
    const full = lastLogits(model, [6, 7, 8, 9]);
    for (let v = 0; v < full.length; v++) expect(logits[v]).to.be.closeTo(full[v], 1e-4);
    cache.dispose();
  });
});

describe('generate', () => {
  let model: GPT;
  before(async () => { await initBackend({ backend: 'cpu' }); model = tinyModel({ seed: 22 }); });
  after(() => model.dispose());

  it('is reproducible from the seed, and the cache does not change the tokens within blockSize', () => {
    const opts = { maxTokens: 5, temperature: 1, seed: 4 };
    const a = generate(model, [1, 2], opts);
    expect(a).to.have.length(5);
    expect(generate(model, [1, 2], opts)).to.deep.equal(a);
    expect(generate(model, [1, 2], { ...opts, useCache: false })).to.deep.equal(a);
  });

  it('greedy decoding follows the argmax of a full forward pass', () => {
    const out = generate(model, [5], { maxTokens: 4, temperature: 0 });
    const ids = [5];
    for (const id of out) {
      expect(id).to.equal(argmax(lastLogits(model, ids)));
      ids.push(id);
    }
  });

  it('runs past blockSize by sliding the context', () => {
    expect(generate(model, [1, 2, 3], { maxTokens: 20, seed: 2 })).to.have.length(20);
    expect(generate(model, [1, 2, 3], { maxTokens: 20, seed: 2, useCache: false })).to.have.length(20);
  });

  it('stops at a stop token, and includes it', () => {
    const free = generate(model, [1], { maxTokens: 12, seed: 5 });
    const stop = free[3];
    const out = generate(model, [1], { maxTokens: 12, seed: 5, stopTokens: [stop] });
    expect(out).to.deep.equal(free.slice(0, free.indexOf(stop) + 1));
  });

  it('rejects prompt tokens outside the vocabulary', () => {
    expect(() => generate(model, [11], { maxTokens: 1 })).to.throw(GptLabError, /token 11 at position 0 is outside 0\.\.10/);
  });

  it('writes the same tokens on cpu and wasm for the same seed (the draw is our own Rng)', async () => {
    const opts = { maxTokens: 10, temperature: 1, topK: 5, seed: 8 };
    const cpu = generate(model, [1, 2, 3], opts);
    const wasm = await withBackend('wasm', async () => {
      await tf.setBackend('wasm');
      const m = tinyModel({ seed: 22 }); // the same weights: init draws from our own seeded Rng
      try { return generate(m, [1, 2, 3], opts); } finally { m.dispose(); }
    });
    await initBackend({ backend: 'cpu' });
    expect(wasm).to.deep.equal(cpu);
  });

  it('leaks no tensors', () => {
    generate(model, [1, 2], { maxTokens: 12, seed: 1 }); // warm up any lazily created state
    const before = tf.memory().numTensors;
    generate(model, [1, 2], { maxTokens: 12, seed: 1 });
    generate(model, [1, 2], { maxTokens: 12, seed: 1, useCache: false });
    expect(tf.memory().numTensors).to.equal(before);
  });
});
