// Notebook 01's Tiny Shakespeare tokenizer on disk for notebook 03, the BPE-level data with its bytes,
// and trainAndMeasure's bits per byte checked where it is known by hand (char level: one byte per token).

import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { Shakespeare, splitText, charVocab, shakespeareStreams } from '../../src/data/shakespeare';
import { trainConfigFor } from '../../src/train/pretrain';
import {
  saveShakespeareTokenizer, shakespeareBpeData, shakespeareTokenizer, shakespeareTokenizerPath, trainAndMeasure, trainShakespeareBpe,
} from '../../src/train/shakespeare-bpe';
import { mirrorDir, shakespeareText } from '../helpers/shakespeare';
import { useTempRunsDir } from '../helpers/runs-dir';

describe('train/shakespeare-bpe', function () {
  this.timeout(120_000);
  const runs = useTempRunsDir('gptlab-shakespeare-bpe-', 'cpu');

  it('saves the tokenizer under runs/<profile>/tokenizer and loads it back; a missing file is trained again', async function () {
    const text = await shakespeareText(this);
    const s: Shakespeare = { text, vocab: charVocab(text), split: splitText(text, 0.9) };
    const tok = trainShakespeareBpe(s, { chars: 300_000, vocabSize: 1024 });
    const file = saveShakespeareTokenizer(tok, 'ci');
    expect(file).to.equal(path.join(runs.root(), 'ci', 'tokenizer', 'shakespeare.json'));
    expect(shakespeareTokenizerPath('ci')).to.equal(file);
    const loaded = await shakespeareTokenizer('ci', { mirror: mirrorDir() });
    expect(loaded.trained).to.equal(false);
    expect(loaded.tok.merges).to.deep.equal(tok.merges);
    fs.rmSync(file);
    const again = await shakespeareTokenizer('ci', { mirror: mirrorDir() });
    expect(again.trained).to.equal(true);
    expect(again.tok.merges).to.deep.equal(tok.merges); // the same settings train the same merges
    expect(fs.existsSync(file)).to.equal(true);

    // the BPE data: split where the char data splits, its bytes are the held-out text's UTF-8 bytes
    const { data, valTokens, valBytes } = shakespeareBpeData(s, tok);
    expect(valBytes).to.equal(Buffer.byteLength(s.split.val, 'utf8'));
    expect(tok.decode(data.val.tokens)).to.equal(s.split.val);
    expect(valTokens).to.equal(data.val.tokens.length);
    expect(valBytes / valTokens).to.be.within(2, 3); // 1024 tokens already carry ~2.4 bytes each
  });

  it('gives bits per byte = loss / ln 2 at the char level (one byte per token), without leaking tensors', async function () {
    const text = (await shakespeareText(this)).slice(0, 50_000);
    const s: Shakespeare = { text, vocab: charVocab(text), split: splitText(text, 0.9) };
    const data = shakespeareStreams(s, s.vocab.encode, s.vocab.vocabSize);
    const before = tf.memory().numTensors;
    const r = await trainAndMeasure({ level: 'char', data, valBytes: s.split.val.length, preset: 'tiny', train: trainConfigFor('tiny', 4, { seed: 3 }) });
    expect(tf.memory().numTensors).to.equal(before);
    expect(r.steps).to.equal(4);
    expect(r.bytesPerToken).to.equal(1);
    expect(r.bitsPerByte).to.be.closeTo(r.valLoss / Math.LN2, 1e-12);
    expect(r.valLoss).to.be.within(3, Math.log(s.vocab.vocabSize) + 0.5); // near ln(vocab) after 4 steps
  });
});
