// LoRA against full fine-tuning on the JSON answer format, with a tiny model and the char tokenizer:
// trainable counts by hand, the base untouched, losses that fall, no leaks.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { makeWorld } from '../../src/data/world/world';
import { GPT, makeConfig, paramCount } from '../../src/model';
import { fineTuneRun, formatLoss, jsonFormatData } from '../../src/lora';

const tok = charTokenizer();

describe('fine-tuning runs: LoRA ranks and full', () => {
  let base: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    base = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 128, seed: 2 }));
  });
  after(() => base.dispose());

  it('renders fact answers as JSON objects', () => {
    const data = jsonFormatData(tok, makeWorld(), { examples: 3, valExamples: 2 }, 128);
    expect(data.train.length).to.equal(3);
    const text = tok.decode(data.train[0].ids.filter((_, i) => data.train[0].mask[i] === 1));
    expect(text).to.match(/^\{"answer": ".+"\}<\|assistant_end\|>$/);
  });

  it('counts trainable parameters by hand (r · 16 · C per layer on all four weights) and leaves the base as it was', () => {
    const data = jsonFormatData(tok, makeWorld(), { examples: 16, valExamples: 8 }, 128);
    const C = base.config.nEmbd;
    const L = base.config.nLayer;
    const before = new Map([...base.params.byName].map(([n, v]) => [n, Float32Array.from(v.dataSync() as Float32Array)]));
    const r2 = fineTuneRun(base, tok, data, { rank: 2, lr: 1e-2, steps: 2, batchSize: 4, seed: 1 });
    // c_attn C→3C, attn.c_proj C→C, c_fc C→4C, mlp.c_proj 4C→C: r · (4C + 2C + 5C + 5C) = 16 r C
    expect(r2.trainable).to.equal(L * 2 * 16 * C);
    expect(r2.fraction).to.be.closeTo(r2.trainable / paramCount(base.config).total, 1e-12);
    expect(r2.adamwBytes).to.equal(8 * r2.trainable);
    const full = fineTuneRun(base, tok, data, { lr: 1e-3, steps: 2, batchSize: 4, seed: 1 });
    expect(full.trainable).to.equal(paramCount(base.config).total);
    expect(full.fraction).to.equal(1);
    for (const [n, v] of base.params.byName) expect(Array.from(v.dataSync()), n).to.deep.equal(Array.from(before.get(n)!));
    // B = 0 at the start: the adapted model's loss before training is the base's
    expect(r2.valLossBefore).to.be.closeTo(formatLoss(base, tok, data.val, 4), 1e-5);
  });

  it('lowers the held-out loss of the new format, with adapters and with every weight, without leaking tensors', () => {
    const data = jsonFormatData(tok, makeWorld(), { examples: 64, valExamples: 8 }, 128);
    const before = tf.memory().numTensors;
    const lora = fineTuneRun(base, tok, data, { rank: 4, lr: 2e-2, steps: 12, batchSize: 8, seed: 1 });
    const full = fineTuneRun(base, tok, data, { lr: 3e-3, steps: 12, batchSize: 8, seed: 1 });
    expect(tf.memory().numTensors).to.equal(before);
    expect(lora.valLoss).to.be.lessThan(lora.valLossBefore);
    expect(full.valLoss).to.be.lessThan(full.valLossBefore);
  });
});
