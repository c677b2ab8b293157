// The pieces of a training step, each against a hand computation: AdamW, the schedule, clipping,
// and the safetensors format.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { AdamW, clipByGlobalNorm, decays, learningRate, withSteps } from '../../src/train';
import { decodeSafetensors, encodeSafetensors, NamedArray } from '../../src/model';
import { GptLabError } from '../../src/util/assert';
import { makeTrainConfig } from '../../src/train';

/** Element-wise closeTo. */
function expectAllClose(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expect(actual.length).to.equal(expected.length);
  expected.forEach((e, i) => expect(actual[i]).to.be.closeTo(e, tol, `element ${i}`));
}

describe('AdamW', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('matches a hand computation for two steps, with decay on the matrix only', () => {
    const w = tf.variable(tf.tensor2d([[1, -2]])) as tf.Variable;
    const b = tf.variable(tf.tensor1d([0.5]));
    const opt = new AdamW(new Map<string, tf.Variable>([['w', w], ['b', b]]), { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
    const gw = tf.tensor2d([[0.1, -0.3]]);
    const gb = tf.tensor1d([0.2]);
    opt.update(new Map<string, tf.Tensor>([['w', gw], ['b', gb]]), 0.01);
    // step 1: m = 0.1·g, v = 0.01·g², m̂ = g, v̂ = g², so the step is lr · g / (|g| + eps) = ±lr.
    //   w: [1, -2] · (1 - 0.01·0.1) - 0.01 · sign(g) = [0.999 - 0.01, -1.998 + 0.01] = [0.989, -1.988]
    //   b: no decay: 0.5 - 0.01 = 0.49
    expectAllClose(w.dataSync(), [0.989, -1.988], 1e-6);
    expect(b.dataSync()[0]).to.be.closeTo(0.49, 1e-6);
    // step 2 with g = 0.2 on b: m = 0.9·0.02 + 0.1·0.2 = 0.038, v = 0.99·0.0004 + 0.01·0.04 = 0.000796
    //   m̂ = 0.038 / 0.19 = 0.2, v̂ = 0.000796 / 0.0199 = 0.04, step = 0.01 · 0.2 / 0.2 = 0.01 → 0.48
    opt.update(new Map<string, tf.Tensor>([['w', gw], ['b', gb]]), 0.01);
    expect(b.dataSync()[0]).to.be.closeTo(0.48, 1e-6);
    expect(opt.step).to.equal(2);
    expect(opt.m.get('b')!.dataSync()[0]).to.be.closeTo(0.038, 1e-7);
    expect(opt.v.get('b')!.dataSync()[0]).to.be.closeTo(0.000796, 1e-9);
    opt.dispose();
    tf.dispose([w, b, gw, gb]);
  });

  it('decays parameters of rank >= 2 (weights, embeddings), not biases or LayerNorm gains', () => {
    expect(decays([16, 48])).to.equal(true);
    expect(decays([65, 128])).to.equal(true);
    expect(decays([48])).to.equal(false);
  });

  it('holds exactly its two moments per parameter, and frees them on dispose', () => {
    const w = tf.tidy(() => tf.variable(tf.ones([3, 3])));
    const before = tf.memory().numTensors;
    const opt = new AdamW(new Map([['w', w]]));
    expect(tf.memory().numTensors).to.equal(before + 2);
    opt.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    w.dispose();
  });

  it('leaks no tensors per update', () => {
    const w = tf.variable(tf.ones([3, 3]));
    const opt = new AdamW(new Map([['w', w]]));
    const g = tf.ones([3, 3]);
    const before = tf.memory().numTensors;
    opt.update(new Map([['w', g]]), 1e-3);
    expect(tf.memory().numTensors).to.equal(before);
    opt.dispose();
    tf.dispose([w, g]);
  });
});

describe('learningRate', () => {
  const s = { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 10, decaySteps: 110 };

  it('warms up linearly to maxLr at the end of warmup', () => {
    expect(learningRate(0, s)).to.be.closeTo(1e-4, 1e-12);
    expect(learningRate(4, s)).to.be.closeTo(5e-4, 1e-12);
    expect(learningRate(9, s)).to.be.closeTo(1e-3, 1e-12);
  });

  it('is the mean of max and min halfway through the decay', () => {
    expect(learningRate(60, s)).to.be.closeTo(5.5e-4, 1e-12);
  });

  it('follows the cosine: a quarter of the way, min + (1 + cos(π/4))/2 · (max - min)', () => {
    expect(learningRate(35, s)).to.be.closeTo(1e-4 + 0.5 * (1 + Math.SQRT1_2) * 9e-4, 1e-12);
  });

  it('reaches minLr at decaySteps and stays there', () => {
    expect(learningRate(110, s)).to.equal(1e-4);
    expect(learningRate(5000, s)).to.equal(1e-4);
  });

  it('rejects minLr above maxLr through the trainer config', () => {
    expect(() => makeTrainConfig({ schedule: { ...s, minLr: 2e-3 } })).to.throw(GptLabError, /minLr \(0.002\).*maxLr \(0.001\)/);
  });
});

describe('clipByGlobalNorm', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('scales every gradient by exactly maxNorm / norm when the norm is larger', () => {
    const grads = [tf.tensor1d([3, 0]), tf.tensor2d([[0, 4]])]; // norm 5
    const { grads: out, norm } = clipByGlobalNorm(grads, 1);
    expect(norm.dataSync()[0]).to.be.closeTo(5, 1e-6);
    const scale = 1 / (5 + 1e-6);
    expectAllClose(out[0].dataSync(), [3 * scale, 0], 1e-7);
    expectAllClose(out[1].dataSync(), [0, 4 * scale], 1e-7);
    tf.dispose([...grads, ...out, norm]);
  });

  it('leaves gradients with a smaller norm unchanged', () => {
    const grads = [tf.tensor1d([0.3, 0.4])];
    const { grads: out, norm } = clipByGlobalNorm(grads, 1);
    expectAllClose(out[0].dataSync(), [0.3, 0.4], 1e-7);
    tf.dispose([...grads, ...out, norm]);
  });
});

describe('safetensors', () => {
  it('round-trips F32 and I32 tensors and metadata', () => {
    const m = new Map<string, NamedArray>([
      ['a.weight', { dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, -2.5, 3, 1e-8, 0, Math.PI) }],
      ['b', { dtype: 'I32', shape: [2], data: Int32Array.of(-7, 2 ** 31 - 1) }],
      ['empty', { dtype: 'F32', shape: [0], data: new Float32Array(0) }],
    ]);
    const back = decodeSafetensors(encodeSafetensors(m, { step: '12' }));
    expect(back.metadata).to.deep.equal({ step: '12' });
    for (const [name, t] of m) {
      const u = back.tensors.get(name)!;
      expect(u.dtype).to.equal(t.dtype);
      expect(u.shape).to.deep.equal(t.shape);
      expect(Array.from(u.data)).to.deep.equal(Array.from(t.data));
    }
  });

  it('writes the byte layout of the format exactly', () => {
    const bytes = encodeSafetensors(new Map<string, NamedArray>([['x', { dtype: 'F32', shape: [2], data: Float32Array.of(1, -2) }]]));
    const json = '{"x":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'; // 54 bytes → padded to 56
    const expected = Buffer.concat([
      Buffer.from([56, 0, 0, 0, 0, 0, 0, 0]), // header length, u64 little-endian
      Buffer.from(json + '  ', 'utf8'),
      Buffer.from([0x00, 0x00, 0x80, 0x3f]), // 1.0f little-endian
      Buffer.from([0x00, 0x00, 0x00, 0xc0]), // -2.0f
    ]);
    expect(Buffer.from(bytes).equals(expected)).to.equal(true);
  });

  it('rejects truncated and corrupt files with a clear error', () => {
    const good = encodeSafetensors(new Map<string, NamedArray>([['x', { dtype: 'F32', shape: [4], data: new Float32Array(4) }]]));
    expect(() => decodeSafetensors(good.slice(0, 5), 'w.safetensors')).to.throw(GptLabError, /w.safetensors is not a valid safetensors file: only 5 bytes/);
    expect(() => decodeSafetensors(good.slice(0, 30))).to.throw(GptLabError, /header claims/);
    expect(() => decodeSafetensors(good.slice(0, good.length - 4))).to.throw(GptLabError, /cover 16 data bytes but the file holds 12/);
    const corrupt = Uint8Array.from(good);
    corrupt[8] = 0x7a; // the header's '{' becomes 'z'
    expect(() => decodeSafetensors(corrupt)).to.throw(GptLabError, /not JSON/);
  });
});

describe('withSteps', () => {
  const train = { batchSize: 8, maxSteps: 300, schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 20, decaySteps: 300 } };
  it('runs the settings for n steps, the decay stretched and the warmup capped at a tenth', () => {
    expect(withSteps(train, 50)).to.deep.equal({ batchSize: 8, maxSteps: 50, schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 5, decaySteps: 50 } });
    expect(withSteps(train, 1000).schedule).to.deep.equal({ maxLr: 1e-3, minLr: 1e-4, warmupSteps: 20, decaySteps: 1000 });
  });
  it('leaves the settings alone without n, and settings without a schedule without one', () => {
    expect(withSteps(train)).to.equal(train);
    expect(withSteps({ maxSteps: 10 }, 4)).to.deep.equal({ maxSteps: 4, schedule: undefined });
  });
  it('rejects a step count that is not a positive integer, naming it', () => {
    expect(() => withSteps(train, 0)).to.throw(GptLabError, 'steps (0) must be a positive integer');
    expect(() => withSteps(train, 2.5)).to.throw(GptLabError, 'steps (2.5)');
  });
});
