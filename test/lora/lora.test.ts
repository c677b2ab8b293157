// LoRA: counts by hand, the identity at init, merged = unmerged, the adapter path against an explicit
// x @ (W + s·A@B), gradients only to A and B (and B's against a finite difference), the file round
// trip, no leaks, and training on a quantized base.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { GPT, linear } from '../../src/model';
import {
  LoraAdapters, LoraConfig, adamwStateBytes, createAdapters, disposeAdapters, loadAdapters, loraParamCount, mergeAdapters,
  saveAdapters, trainableCounts, withAdapters,
} from '../../src/lora';
import { quantizeGPT } from '../../src/quant';
import { AdamW } from '../../src/train/adamw';
import { optimizerStep } from '../../src/train/step';
import { GptLabError } from '../../src/util/assert';
import { directionalCheck, randomFloats, randomIds, tinyConfig, tinyModel } from '../model/helpers';

const ATTN: LoraConfig = { rank: 2, alpha: 4, targets: ['attn', 'attnProj'], seed: 1 };
const ALL: LoraConfig = { rank: 3, alpha: 6, targets: ['attn', 'attnProj', 'fc', 'mlpProj'], seed: 2 };

/** Gives every B random values, so the adapters change the model (B = 0 at init would hide any bug). */
function randomizeB(ad: LoraAdapters, seed: number): void {
  let k = seed;
  for (const [name, v] of ad.byName) if (name.endsWith('lora_B')) tf.tidy(() => v.assign(tf.mul(randomFloats(v.shape, k++), 0.5)));
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

describe('LoRA', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('counts trainable parameters and AdamW memory by hand', () => {
    const c = tinyConfig(); // C = 16, 2 layers, vocab 11: 6,896 parameters
    // rank 2 on c_attn [16, 48] and c_proj [16, 16]: 2·(16+48) + 2·(16+16) = 192 per layer, 384 in all
    expect(loraParamCount(c, ATTN)).to.equal(384);
    // rank 3 on all four: 3·(64 + 32 + 80 + 80) = 768 per layer
    expect(loraParamCount(c, ALL)).to.equal(1536);
    expect(adamwStateBytes(384)).to.equal(3072);
    const lora = trainableCounts(c, ATTN);
    expect(lora.trainable).to.equal(384);
    expect(lora.fraction).to.be.closeTo(384 / 6896, 1e-12);
    expect(trainableCounts(c)).to.deep.equal({ trainable: 6896, total: 6896, fraction: 1, adamwBytes: 8 * 6896 });
    // and the real objects agree: the adapters' sizes, and the moments AdamW allocates for them
    const ad = createAdapters(c, ATTN);
    expect([...ad.byName.values()].reduce((s, v) => s + v.size, 0)).to.equal(384);
    const opt = new AdamW(ad.byName);
    expect(4 * [...opt.m.values(), ...opt.v.values()].reduce((s, v) => s + v.size, 0)).to.equal(adamwStateBytes(384));
    opt.dispose();
    disposeAdapters(ad);
  });

  it('starts as the base model exactly (B = 0)', () => {
    const base = tinyModel();
    const ad = createAdapters(base.config, ALL);
    const idx = randomIds(2, 8, 11, 3);
    const a = base.forward(idx);
    const b = withAdapters(base, ad).forward(idx);
    expect(maxAbsDiff(a, b)).to.equal(0);
    tf.dispose([a, b, idx]);
    disposeAdapters(ad);
    base.dispose();
  });

  it('computes x @ W + s·(x @ A) @ B as x @ (W + s·A @ B)', () => {
    tf.tidy(() => {
      const x = randomFloats([5, 6], 1) as tf.Tensor2D;
      const w = randomFloats([6, 4], 2) as tf.Tensor2D;
      const a = randomFloats([6, 2], 3) as tf.Tensor2D;
      const b = randomFloats([2, 4], 4) as tf.Tensor2D;
      const bias = randomFloats([4], 5);
      const explicit = tf.add(tf.matMul(x, tf.add(w, tf.mul(tf.matMul(a, b), 1.5))), bias);
      expect(maxAbsDiff(linear(x, w, bias, { a, b, scale: 1.5 }), explicit)).to.be.below(1e-5);
    });
  });

  it('gives the same logits merged and unmerged (within 1e-5), and differs from the base', () => {
    for (const cfg of [ATTN, ALL]) {
      const base = tinyModel();
      const ad = createAdapters(base.config, cfg);
      randomizeB(ad, 10);
      const idx = randomIds(3, 8, 11, 4);
      const plain = base.forward(idx);
      const unmerged = withAdapters(base, ad).forward(idx);
      const merged = mergeAdapters(base, ad);
      const m = merged.forward(idx);
      expect(maxAbsDiff(unmerged, m), cfg.targets.join()).to.be.below(1e-5);
      expect(maxAbsDiff(unmerged, plain), 'the adapters change the output').to.be.above(1e-3);
      tf.dispose([plain, unmerged, m, idx]);
      merged.dispose();
      disposeAdapters(ad);
      base.dispose();
    }
  });

  it('sends gradients only to A and B; B\'s matches a finite difference', () => {
    const base = tinyModel();
    const ad = createAdapters(base.config, ATTN);
    const model = withAdapters(base, ad);
    const x = randomIds(2, 8, 11, 5);
    const y = randomIds(2, 8, 11, 6);
    // No variable list: tfjs differentiates every trainable variable; the frozen base is not among them.
    const { value, grads } = tf.variableGrads(() => model.loss(x, y));
    const adapterVarNames = [...ad.byName.values()].map((v) => v.name).sort();
    expect(Object.keys(grads).sort()).to.deep.equal(adapterVarNames);
    const aName = ad.byName.get('transformer.h.0.attn.c_attn.lora_A')!.name;
    const bName = ad.byName.get('transformer.h.0.attn.c_attn.lora_B')!.name;
    expect(tf.max(tf.abs(grads[aName])).dataSync()[0], 'A gets no gradient while B = 0').to.equal(0);
    expect(tf.max(tf.abs(grads[bName])).dataSync()[0]).to.be.above(0);
    tf.dispose([value, ...Object.values(grads)]);
    // B's gradient against a central difference along a random direction
    const slot = ad.blocks[0].attn!;
    const b0 = slot.b;
    const f = (b: tf.Tensor) => { slot.b = b as tf.Tensor2D; const l = model.loss(x, y); slot.b = b0; return l; };
    const { analytic, numeric } = directionalCheck(f, b0, 7);
    expect(analytic).to.be.closeTo(numeric, 1e-3 * Math.max(1, Math.abs(numeric)));
    tf.dispose([x, y]);
    disposeAdapters(ad);
    base.dispose();
  });

  it('trains only the adapters: the base is bitwise unchanged, A and B move, and nothing leaks', () => {
    const base = tinyModel();
    const before = new Map([...base.params.byName].map(([n, v]) => [n, v.dataSync().slice()]));
    const ad = createAdapters(base.config, ATTN);
    const a0 = ad.byName.get('transformer.h.1.attn.c_proj.lora_A')!.dataSync().slice();
    const model = withAdapters(base, ad);
    const opt = new AdamW(ad.byName);
    const x = randomIds(2, 8, 11, 8);
    const y = randomIds(2, 8, 11, 9);
    const step = () => { const r = optimizerStep(ad.byName, opt, [() => model.loss(x, y)], { lr: 1e-2, gradClip: 1 }); const l = r.loss.dataSync()[0]; tf.dispose([r.loss, r.gradNorm]); return l; };
    const l0 = step();
    const tensors = tf.memory().numTensors;
    let last = l0;
    for (let i = 0; i < 20; i++) last = step();
    expect(tf.memory().numTensors, 'no tensors leak per step').to.equal(tensors);
    expect(last).to.be.below(l0);
    for (const [n, v] of base.params.byName) expect(v.dataSync(), n).to.deep.equal(before.get(n));
    expect(ad.byName.get('transformer.h.1.attn.c_proj.lora_A')!.dataSync()).to.not.deep.equal(a0);
    opt.dispose();
    tf.dispose([x, y]);
    disposeAdapters(ad);
    base.dispose();
  });

  it('saves adapters as their own small safetensors file and loads them onto the base', () => {
    const base = tinyModel();
    const ad = createAdapters(base.config, ALL);
    randomizeB(ad, 20);
    const bytes = saveAdapters(ad, base.config);
    const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    expect(bytes.length).to.equal(8 + headerLen + 4 * 1536); // just the adapters' 1,536 floats
    const loaded = loadAdapters(bytes, base.config);
    expect(loaded.config).to.deep.equal(ALL);
    for (const [n, v] of ad.byName) expect(loaded.byName.get(n)!.dataSync(), n).to.deep.equal(v.dataSync());
    const idx = randomIds(2, 8, 11, 11);
    const a = withAdapters(base, ad).forward(idx);
    const b = withAdapters(base, loaded).forward(idx);
    expect(maxAbsDiff(a, b)).to.equal(0);
    tf.dispose([a, b, idx]);
    expect(() => loadAdapters(bytes, tinyConfig({ nEmbd: 32 }))).to.throw(GptLabError, /nEmbd 16.*nEmbd 32/);
    expect(() => loadAdapters(bytes.slice(0, 100), base.config)).to.throw(GptLabError, /not a valid safetensors file/);
    disposeAdapters(ad);
    disposeAdapters(loaded);
    base.dispose();
  });

  it('trains on top of an int4 base whose weights stay frozen (QLoRA in miniature)', () => {
    const base = tinyModel();
    const q = quantizeGPT(base, 4);
    const frozen = q.model.params.byName.get('transformer.h.0.mlp.c_fc.weight')!.dataSync().slice();
    const ad = createAdapters(q.model.config, ATTN);
    const model: GPT = withAdapters(q.model, ad);
    const opt = new AdamW(ad.byName);
    const x = randomIds(2, 8, 11, 12);
    const y = randomIds(2, 8, 11, 13);
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      const r = optimizerStep(ad.byName, opt, [() => model.loss(x, y)], { lr: 1e-2, gradClip: 1 });
      losses.push(r.loss.dataSync()[0]);
      tf.dispose([r.loss, r.gradNorm]);
    }
    expect(losses[losses.length - 1]).to.be.below(losses[0] - 0.05);
    expect(q.model.params.byName.get('transformer.h.0.mlp.c_fc.weight')!.dataSync()).to.deep.equal(frozen);
    opt.dispose();
    tf.dispose([x, y]);
    disposeAdapters(ad);
    q.model.dispose();
    base.dispose();
  });
});
