// The GPT model: config checks, parameter count by hand, GPT-2 init, loss at init, gradients against
// finite differences, causality, dropout seeding, cpu/wasm agreement, no leaks.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend, withBackend } from '../../src/backend';
import {
  GPT, causalSelfAttention, crossEntropy, gelu, geluTanh, flopsPerToken, initParams, layerNorm, makeConfig, paramCount, paramSpecs,
} from '../../src/model';
import { GptLabError } from '../../src/util/assert';
import { matMul2d } from '../../src/model/linear';
import { directionalCheck, randomFloats, randomIds, stats, tinyConfig, tinyModel } from './helpers';

describe('GPT config', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('rejects nEmbd not divisible by nHead, naming both', () => {
    expect(() => makeConfig('tiny', { vocabSize: 11, nHead: 3 })).to.throw(GptLabError, /nEmbd \(16\).*nHead \(3\)/);
  });

  it('rejects a dropout of 1', () => {
    expect(() => makeConfig('tiny', { vocabSize: 11, dropout: 1 })).to.throw(GptLabError, /dropout \(1\)/);
  });

  it('counts the tiny config by hand', () => {
    // C = 16, V = 11, T = 8, L = 2
    //   wte 11·16 = 176, wpe 8·16 = 128
    //   per block: ln_1 32 + c_attn 16·48 + 48 = 816 + attn.c_proj 256 + 16 = 272 + ln_2 32
    //              + c_fc 16·64 + 64 = 1088 + mlp.c_proj 64·16 + 16 = 1040  → 3280
    //   ln_f 32
    //   total 176 + 128 + 2·3280 + 32 = 6896
    const c = tinyConfig();
    expect(paramCount(c)).to.deep.equal({ total: 6896, nonEmbedding: 6896 - 128, perBlock: 3280 });
    const fromSpecs = paramSpecs(c).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(fromSpecs).to.equal(6896);
  });

  it('counts the baby config by hand, and its FLOPs per token', () => {
    // C = 128, V = 65, T = 64, L = 4: wte 8320, wpe 8192, per block 12·128² + 13·128 = 198,272, ln_f 256
    const c = makeConfig('baby', { vocabSize: 65, bias: true });
    expect(paramCount(c).total).to.equal(8320 + 8192 + 4 * 198_272 + 256); // 809,856
    // train: 6·N + 12·L·T·C with N = 809,856 - 8,192 = 801,664
    expect(flopsPerToken(c).train).to.equal(6 * 801_664 + 12 * 4 * 64 * 128);
    // without biases (the preset, as nanoGPT): per block 12·128² + 2·128 = 196,864, ln_f 128
    const nb = makeConfig('baby', { vocabSize: 65 });
    expect(nb.bias).to.equal(false);
    expect(paramCount(nb).total).to.equal(8320 + 8192 + 4 * 196_864 + 128); // 804,096
  });

  it('counts shakespeare-char as nanoGPT does: 10.65M without biases, + 25,728 with them', () => {
    // nanoGPT trains this config with bias=False and reports 10.65M non-embedding parameters:
    //   V·C + L·(12C² + 2C) + C = 65·384 + 6·(1,769,472 + 768) + 384 = 10,646,784
    // With biases: 13C per block instead of 2C, and ln_f's bias: + 6·11·384 + 384 = 25,728.
    const c = makeConfig('shakespeare-char', { vocabSize: 65 });
    expect(paramCount(c).nonEmbedding).to.equal(10_646_784);
    expect(paramCount({ ...c, bias: true }).nonEmbedding).to.equal(10_646_784 + 25_728);
  });

  it('without biases, lists no bias parameters and the spec sizes add up to paramCount', () => {
    const c = tinyConfig({ bias: false });
    const specs = paramSpecs(c);
    expect(specs.some((s) => s.name.endsWith('.bias'))).to.equal(false);
    expect(specs.filter((s) => s.name.endsWith('ln_1.weight')).length).to.equal(2);
    expect(specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0)).to.equal(paramCount(c).total);
    // tiny by hand: 176 + 128 + 2·(12·256 + 2·16) + 16 = 6,528
    expect(paramCount(c).total).to.equal(6528);
  });
});

describe('GPT init', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('draws GPT-2 init: std 0.02, residual projections 0.02/sqrt(2L), zero biases, unit gains', () => {
    const c = makeConfig('baby', { vocabSize: 65, bias: true });
    const p = initParams(c);
    try {
      const w = stats(p.blocks[0].attnW.dataSync()); // 49,152 values
      expect(w.mean).to.be.closeTo(0, 1e-3);
      expect(w.std).to.be.closeTo(0.02, 0.02 * 0.02);
      const proj = stats(p.blocks[1].mlpProjW.dataSync());
      expect(proj.std).to.be.closeTo(0.02 / Math.sqrt(8), 0.02 / Math.sqrt(8) * 0.03);
      expect(stats(p.wte.dataSync()).std).to.be.closeTo(0.02, 0.001);
      expect(Array.from(p.blocks[2].attnB!.dataSync()).every((x) => x === 0)).to.equal(true);
      expect(Array.from(p.lnfg.dataSync()).every((x) => x === 1)).to.equal(true);
      expect(Array.from(p.lnfb!.dataSync()).every((x) => x === 0)).to.equal(true);
    } finally {
      for (const v of p.byName.values()) v.dispose();
    }
  });

  it('is reproducible from the seed, and differs across seeds', () => {
    const a = tinyModel();
    const b = tinyModel();
    const d = tinyModel({ seed: 7 });
    const wa = a.params.wte.dataSync();
    expect(Array.from(b.params.wte.dataSync())).to.deep.equal(Array.from(wa));
    expect(Array.from(d.params.wte.dataSync())).to.not.deep.equal(Array.from(wa));
    [a, b, d].forEach((m) => m.dispose());
  });
});

describe('GPT forward', () => {
  let model: GPT;
  before(async () => { await initBackend({ backend: 'cpu' }); model = tinyModel(); });
  after(() => model.dispose());

  it('gives logits [B, T, V]', () => {
    const x = randomIds(3, 8, 11, 1);
    const logits = model.forward(x);
    expect(logits.shape).to.deep.equal([3, 8, 11]);
    tf.dispose([x, logits]);
  });

  it('returns keys and values only when asked (keepKV) or given a cache, and the same hidden states either way', () => {
    const x = randomIds(2, 8, 11, 4);
    tf.tidy(() => {
      const plain = model.hidden(x);
      const kept = model.hidden(x, { keepKV: true });
      expect(plain.kv).to.deep.equal([]);
      expect(kept.kv).to.have.length(model.config.nLayer);
      expect(kept.kv[0].k.shape).to.deep.equal([2, model.config.nHead, 8, model.config.nEmbd / model.config.nHead]);
      expect(Array.from(plain.h.dataSync())).to.deep.equal(Array.from(kept.h.dataSync()));
      // The keys of the fused path equal those of the path that continues a cache, position by position.
      const first = model.hidden(tf.slice(x, [0, 0], [2, 5]) as tf.Tensor2D, { keepKV: true });
      const next = model.hidden(tf.slice(x, [0, 5], [2, 3]) as tf.Tensor2D, { cache: first.kv });
      expect(next.kv).to.have.length(model.config.nLayer);
      const a = kept.kv[1].k.dataSync(), b = next.kv[1].k.dataSync();
      a.forEach((v, i) => expect(b[i]).to.be.closeTo(v, 1e-5));
    });
    x.dispose();
  });

  it('starts with a loss close to ln(vocabSize)', () => {
    const x = randomIds(8, 8, 11, 2);
    const y = randomIds(8, 8, 11, 3);
    const loss = model.loss(x, y);
    expect(loss.dataSync()[0]).to.be.closeTo(Math.log(11), 0.1);
    tf.dispose([x, y, loss]);
  });

  it('is causal: changing a later token leaves earlier logits unchanged', () => {
    const x = randomIds(1, 8, 11, 4);
    const ids = Array.from(x.dataSync());
    ids[5] = (ids[5] + 1) % 11;
    const x2 = tf.tensor2d(ids, [1, 8], 'int32');
    const [a, b] = [model.forward(x), model.forward(x2)];
    const da = a.arraySync()[0];
    const db = b.arraySync()[0];
    for (let t = 0; t < 5; t++) for (let v = 0; v < 11; v++) expect(db[t][v]).to.be.closeTo(da[t][v], 1e-6);
    expect(db[5][0]).to.not.equal(da[5][0]);
    tf.dispose([x, x2, a, b]);
  });

  it('rejects a sequence longer than blockSize, naming both', () => {
    const x = randomIds(1, 9, 11, 5);
    expect(() => model.forward(x)).to.throw(GptLabError, /9 tokens.*blockSize \(8\)/);
    x.dispose();
  });

  it('leaks no tensors in forward and loss', () => {
    const x = randomIds(2, 8, 11, 6);
    const before = tf.memory().numTensors;
    tf.dispose(model.forward(x));
    tf.dispose(model.loss(x, x));
    expect(tf.memory().numTensors).to.equal(before);
    x.dispose();
  });

  it('applies seeded dropout in training only: same seed same loss, other seed other loss', () => {
    const m = tinyModel({ dropout: 0.2 });
    const x = randomIds(2, 8, 11, 7);
    const y = randomIds(2, 8, 11, 8);
    const loss = (seed?: number) => tf.tidy(() => m.loss(x, y, seed === undefined ? {} : { dropout: { rate: 0.2, seed } }).dataSync()[0]);
    expect(loss(1)).to.equal(loss(1));
    expect(loss(1)).to.not.equal(loss(2));
    expect(loss(1)).to.not.equal(loss());
    expect(loss()).to.equal(loss());
    tf.dispose([x, y]);
    m.dispose();
  });
});

describe('gradients against finite differences', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  function expectClose(r: { analytic: number; numeric: number }, rel = 2e-2): void {
    expect(Math.abs(r.analytic - r.numeric)).to.be.at.most(rel * Math.max(1e-3, Math.abs(r.numeric)), `analytic ${r.analytic} vs numeric ${r.numeric}`);
  }

  it('GELU: exact values x·Φ(x) from the normal table, and its derivative Φ(x) + x·φ(x)', () => {
    // Φ(1) = 0.8413447461, Φ(-1) = 0.1586552539, Φ(2) = 0.9772498681, Φ(-0.5) = 0.3085375387
    const xs = [1, -1, 2, -0.5, 0];
    const want = [0.8413447461, -0.1586552539, 2 * 0.9772498681, -0.5 * 0.3085375387, 0];
    const got = tf.tidy(() => Array.from(gelu(tf.tensor1d(xs)).dataSync()));
    got.forEach((v, i) => expect(v).to.be.closeTo(want[i], 2e-6));
    // derivative at 1: Φ(1) + 1·φ(1) = 0.8413447461 + 0.2419707245 = 1.0833154706
    const d = tf.tidy(() => tf.grad((x) => tf.sum(gelu(x)))(tf.tensor1d([1])).dataSync()[0]);
    expect(d).to.be.closeTo(1.0833154706, 1e-4);
    // the tanh approximation stays within 1e-3 of it
    const approx = tf.tidy(() => Array.from(geluTanh(tf.linspace(-4, 4, 81)).dataSync()));
    const exact = tf.tidy(() => Array.from(gelu(tf.linspace(-4, 4, 81)).dataSync()));
    approx.forEach((v, i) => expect(Math.abs(v - exact[i])).to.be.below(1e-3));
  });

  it('LayerNorm without a bias equals the biased one with b = 0', () => {
    const x = randomFloats([3, 6], 1);
    const g = tf.add(randomFloats([6], 2), 1.5) as tf.Tensor1D;
    const a = tf.tidy(() => Array.from(layerNorm(x, g).dataSync()));
    const b = tf.tidy(() => Array.from(layerNorm(x, g, tf.zeros([6]) as tf.Tensor1D).dataSync()));
    a.forEach((v, i) => expect(v).to.be.closeTo(b[i], 1e-7));
    tf.dispose([x, g]);
  });

  it('LayerNorm: input, gain and bias', () => {
    const x = randomFloats([3, 6], 1);
    const g = tf.add(randomFloats([6], 2), 1.5) as tf.Tensor1D;
    const b = randomFloats([6], 3) as tf.Tensor1D;
    const w = randomFloats([3, 6], 4); // a random readout so the sum is not trivially 0
    expectClose(directionalCheck((xx) => tf.sum(tf.mul(layerNorm(xx, g, b), w)), x, 10));
    expectClose(directionalCheck((gg) => tf.sum(tf.mul(layerNorm(x, gg as tf.Tensor1D, b), w)), g, 11));
    expectClose(directionalCheck((bb) => tf.sum(tf.mul(layerNorm(x, g, bb as tf.Tensor1D), w)), b, 12));
    tf.dispose([x, g, b, w]);
  });

  it('causal self-attention: input and c_attn weight', () => {
    const c = tinyConfig();
    const p = initParams({ ...c, seed: 3 });
    const blk = p.blocks[0];
    // Larger weights than init, so attention is far from uniform and the check means something.
    blk.attnW.assign(tf.mul(randomFloats(blk.attnW.shape, 5), 0.5) as tf.Tensor2D);
    const x = randomFloats([2, 5, 16], 6) as tf.Tensor3D;
    const w = randomFloats([2, 5, 16], 7);
    const f = (xx: tf.Tensor) => tf.sum(tf.mul(causalSelfAttention(xx as tf.Tensor3D, blk, c, 0).y, w)) as tf.Scalar;
    expectClose(directionalCheck(f, x, 20));
    const W0 = blk.attnW.clone();
    const fw = (ww: tf.Tensor) => {
      const q = { ...blk, attnW: ww as unknown as tf.Variable };
      return tf.sum(tf.mul(causalSelfAttention(x, q, c, 0).y, w)) as tf.Scalar;
    };
    expectClose(directionalCheck(fw, W0, 21));
    tf.dispose([x, w, W0]);
    for (const v of p.byName.values()) v.dispose();
  });

  it('cross-entropy: logits', () => {
    const logits = tf.mul(randomFloats([4, 7], 8), 3) as tf.Tensor2D;
    const targets = tf.tensor1d([0, 3, 6, 2], 'int32');
    expectClose(directionalCheck((l) => crossEntropy(l as tf.Tensor2D, targets), logits, 30));
    tf.dispose([logits, targets]);
  });

  it('the whole model: loss with respect to wte and a c_fc weight', () => {
    const m = tinyModel({ seed: 9 });
    const x = randomIds(2, 6, 11, 9);
    const y = randomIds(2, 6, 11, 10);
    const loss = () => m.loss(x, y);
    const { grads } = tf.variableGrads(loss, [m.params.wte, m.params.blocks[1].fcW]);
    for (const [i, v] of [m.params.wte, m.params.blocks[1].fcW].entries()) {
      const d = randomFloats(v.shape, 40 + i);
      const analytic = tf.tidy(() => tf.sum(tf.mul(grads[v.name], d)).dataSync()[0]);
      const v0 = v.clone();
      const eps = 1e-2; // small against the weights (std 0.02 · a direction in [-1, 1)), large against float32 noise
      v.assign(tf.tidy(() => tf.add(v0, tf.mul(d, eps))));
      const plus = tf.tidy(() => loss().dataSync()[0]);
      v.assign(tf.tidy(() => tf.sub(v0, tf.mul(d, eps))));
      const minus = tf.tidy(() => loss().dataSync()[0]);
      v.assign(v0);
      expectClose({ analytic, numeric: (plus - minus) / (2 * eps) }, 5e-2);
      tf.dispose([d, v0]);
    }
    tf.dispose([x, y, ...Object.values(grads)]);
    m.dispose();
  });
});

describe('GPT on cpu and wasm', () => {
  after(async () => { await initBackend({ backend: 'cpu' }); });

  for (const bias of [true, false]) it(`gives the same loss and gradients within 1e-4 (bias ${bias})`, async () => {
    const run = () => {
      const m = tinyModel({ seed: 5, bias });
      const x = randomIds(2, 8, 11, 11);
      const y = randomIds(2, 8, 11, 12);
      const { value, grads } = tf.variableGrads(() => m.loss(x, y), m.variables());
      const out = { loss: value.dataSync()[0], grads: m.variables().map((v) => Array.from(grads[v.name].dataSync())) };
      tf.dispose([x, y, value, ...Object.values(grads)]);
      m.dispose();
      return out;
    };
    await initBackend({ backend: 'cpu' });
    const cpu = run();
    const wasm = await withBackend('wasm', async () => { await tf.setBackend('wasm'); return run(); });
    expect(wasm.loss).to.be.closeTo(cpu.loss, 1e-4);
    for (let i = 0; i < cpu.grads.length; i++) {
      for (let j = 0; j < cpu.grads[i].length; j++) expect(wasm.grads[i][j]).to.be.closeTo(cpu.grads[i][j], 1e-4);
    }
  });
});

describe('matMul2d', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  // [N, in] x [in, out]: a wide and a tall x.
  for (const [N, nIn, nOut] of [[6, 3, 5], [40, 12, 3]]) {
    it(`has the gradients of tfjs's own matMul for [${N}, ${nIn}] x [${nIn}, ${nOut}]`, () => {
      const x = randomFloats([N, nIn], 1) as tf.Tensor2D;
      const w = randomFloats([nIn, nOut], 2) as tf.Tensor2D;
      const up = randomFloats([N, nOut], 3);
      const f = (mm: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor) => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(mm(a as tf.Tensor2D, b as tf.Tensor2D), up)))([x, w]);
      const ours = f(matMul2d);
      const theirs = f((a, b) => tf.matMul(a, b));
      expect(ours[1].shape).to.deep.equal([nIn, nOut]);
      for (let i = 0; i < 2; i++) {
        const a = ours[i].dataSync(), b = theirs[i].dataSync();
        a.forEach((v, j) => expect(v).to.be.closeTo(b[j], 1e-5));
      }
      tf.dispose([x, w, up, ...ours, ...theirs]);
    });
  }
});
