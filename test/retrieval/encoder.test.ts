// The contrastive encoder's data and training: pairs of training entities only, batches of distinct
// facts, padding by hand, the loss against InfoNCE computed in plain JavaScript from embedTexts'
// vectors, and a short run on a tiny GPT that lowers the loss and saves a loadable 'encoder' stage.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { makeWorld } from '../../src/data/world/world';
import { GPT, makeConfig } from '../../src/model';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';
import { loadStageModel } from '../../src/pipeline/load';
import {
  contrastiveEncoder, embedTexts, encoderBatch, encoderLoss, encoderPairs, padTexts, retrievalQuestions, trainEncoderStage,
} from '../../src/retrieval';

const world = makeWorld();
/** Bytes and the chat specials, no merges: one token per ASCII character. */
const tok = trainChatTokenizer([], 256 + CHAT_BPE_SPECIALS.length);

describe('encoderPairs and encoderBatch', () => {
  it('draws only facts of training entities, each with its literal and its paraphrased question', () => {
    const pairs = encoderPairs(world);
    const heldOut = new Set(retrievalQuestions(world, 'literal').map((q) => q.factId));
    expect(pairs.some((p) => heldOut.has(p.factId))).to.equal(false);
    // 8 towns x 2 facts + 45 public people x 4 + 30 public animals x 3
    expect(pairs.length).to.equal(16 + 45 * 4 + 30 * 3);
    const dusem = pairs.find((p) => p.factId === 'town-0/region')!;
    expect(dusem.fact).to.equal('Dusem is in the north.');
    expect(dusem.questions).to.deep.equal(['Where is Dusem?', 'Which compass direction locates Dusem?']);
  });

  it('gives B distinct facts, each with one of its own questions, the same for the same (seed, step)', () => {
    const pairs = encoderPairs(world);
    const b = encoderBatch(pairs, 32, 8, 3);
    expect(new Set(b.ids).size).to.equal(32);
    b.ids.forEach((id, i) => {
      const p = pairs.find((x) => x.factId === id)!;
      expect(b.facts[i]).to.equal(p.fact);
      expect(p.questions).to.include(b.questions[i]);
    });
    expect(encoderBatch(pairs, 32, 8, 3)).to.deep.equal(b);
    expect(encoderBatch(pairs, 32, 8, 4).ids).to.not.deep.equal(b.ids);
    expect(() => encoderBatch(pairs, 1, 8, 0)).to.throw(/batch size 1 must be in 2\.\./);
  });

  it('pads token rows at the end to the longest, cut to maxLen', () => {
    const codes = (s: string) => [...s].map((c) => c.charCodeAt(0));
    expect(padTexts(codes, ['ab', 'c'], 8, 0)).to.deep.equal({ ids: Int32Array.from([97, 98, 99, 0]), T: 2, lengths: [2, 1] });
    expect(padTexts(codes, ['abcd', 'c'], 3, 7)).to.deep.equal({ ids: Int32Array.from([97, 98, 99, 99, 7, 7]), T: 3, lengths: [3, 1] });
  });
});

describe('encoder training', function () {
  this.timeout(120_000);
  let model: GPT;
  let root: string;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 64, seed: 3 }));
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-encoder-'));
  });
  after(() => {
    model.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('computes InfoNCE over mean-pooled embeddings, as by hand from embedTexts', () => {
    const batch = { questions: ['Where is Dusem?', 'How old is Zevim?', 'Who owns Kiki?'], facts: ['Dusem is in the north.', 'Zevim is 41.', 'Kiki belongs to Tafa.'] };
    const tau = 0.1;
    const got = tf.tidy(() => encoderLoss(model, tok, batch, tau).dataSync()[0]);
    const q = tf.tidy(() => embedTexts(model, (s) => tok.encode(s), batch.questions).arraySync());
    const p = tf.tidy(() => embedTexts(model, (s) => tok.encode(s), batch.facts).arraySync());
    const unit = (v: number[]) => { const n = Math.hypot(...v); return v.map((x) => x / n); };
    const qu = q.map(unit), pu = p.map(unit);
    let want = 0;
    for (let i = 0; i < 3; i++) {
      const s = pu.map((pj) => pj.reduce((acc, x, c) => acc + x * qu[i][c], 0) / tau);
      const lse = Math.log(s.reduce((acc, x) => acc + Math.exp(x), 0));
      want += (lse - s[i]) / 3;
    }
    expect(got).to.be.closeTo(want, 1e-4);
  });

  it('lowers the loss on training pairs, leaks no tensors, and saves a finished encoder stage', async () => {
    const before = tf.memory().numTensors;
    const settings = { steps: 40, batchSize: 8, lr: 3e-3, temperature: 0.1, seed: 1 };
    const steps: number[] = [];
    const fixed = encoderBatch(encoderPairs(world), 8, 99, 0);
    const lossOf = () => tf.tidy(() => encoderLoss(model, tok, fixed, 0.1).dataSync()[0]);
    const start = lossOf();
    const run = await trainEncoderStage({ model, tok }, world, settings,
      { dir: root, record: { tokenizer: 'chat-bpe', data: 'world-small', files: { 'tokenizer.json': tok.toJSON() } } },
      { from: 'test', onStep: (s) => steps.push(s.step), logEvery: 10 });
    expect(lossOf()).to.be.below(start - 0.1);
    expect(steps).to.deep.equal([1, 11, 21, 31, 40]);
    expect(tf.memory().numTensors).to.equal(before);
    expect(run.state.stage).to.equal('encoder');
    const loaded = loadStageModel(root);
    expect(loaded.state.stage).to.equal('encoder');
    expect((loaded.state.extra as { done: boolean }).done).to.equal(true);
    expect(contrastiveEncoder(loaded.model, 'x').fingerprint).to.equal(contrastiveEncoder(model, 'x').fingerprint);
    loaded.model.dispose();
  });
});
