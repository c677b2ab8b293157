// The vocabulary sweep: every size gets the same training FLOPs (to within one step), bytes per token
// counted on the held-out documents (1 for the char tokenizer, more for a BPE), no tensors left behind.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { makeWorld } from '../../src/data/world/world';
import { flopsPerToken, makeConfig } from '../../src/model';
import { trainChatTokenizer, worldTokenizerTexts } from '../../src/tokenizer/chat';
import { measureChatVocab, vocabSweepSettings, worldData } from '../../src/train/vocab-size';

describe('train/vocab-size', function () {
  this.timeout(120_000);
  const world = makeWorld();

  it('counts held-out bytes per token: 1 for characters, the UTF-8 bytes of the documents for a BPE', () => {
    const corpus = { size: 200, seed: 7 };
    expect(worldData(world, charTokenizer(), corpus).bytesPerToken).to.equal(1);
    const tok = trainChatTokenizer(worldTokenizerTexts(world), 512);
    const { data, valTokens, valBytes } = worldData(world, tok, corpus);
    // the held-out text, <|endoftext|> counted as one byte: decode each document and add the separators
    const eot = tok.special('<|endoftext|>');
    const ids = Array.from(data.val.tokens);
    const text = tok.decode(ids.filter((id) => id !== eot));
    expect(valBytes).to.equal(Buffer.byteLength(text, 'utf8') + ids.filter((id) => id === eot).length);
    expect(valTokens).to.equal(ids.length);
  });

  it('gives every size the same training FLOPs, to within one step, and leaks no tensors', async () => {
    const s = {
      ...vocabSweepSettings('ci'), sizes: [300, 600], referenceSteps: 6, referenceSize: 600, evalIters: 1, batchSize: 2,
      model: { nLayer: 1, nHead: 1, nEmbd: 8, blockSize: 16 }, corpus: { size: 200, seed: 7 },
    };
    const before = tf.memory().numTensors;
    const rows = await measureChatVocab(s, undefined, world);
    expect(tf.memory().numTensors).to.equal(before);
    expect(rows.map((r) => [r.tokenizer, r.vocabSize])).to.deep.equal([['char', 107], ['bpe', 300], ['bpe', 600]]);
    const budget = flopsPerToken(makeConfig('tiny', { ...s.model, vocabSize: 600, bias: false })).train * s.batchSize * s.model.blockSize * 6;
    for (const r of rows) {
      const perStep = r.flopsPerToken * s.batchSize * s.model.blockSize;
      expect(Math.abs(r.trainFlops - budget)).to.be.at.most(perStep / 2 + 1);
      expect(r.bitsPerByte).to.be.closeTo((r.valLoss / r.bytesPerToken) / Math.LN2, 1e-9);
    }
    expect(rows[0].steps).to.be.greaterThan(rows[2].steps); // a smaller vocabulary buys more steps
    expect(rows[2].bytesPerToken).to.be.greaterThan(rows[1].bytesPerToken);
  });
});
