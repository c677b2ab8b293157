// Training the reward model on a tiny random-init trunk: the data split is disjoint, a step leaks
// nothing, a few dozen steps rank unseen comparisons well above chance, and the stage saves trunk and
// head, loads them back to the same rewards, and loads instead of retraining.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { makeWorld } from '../../src/data/world/world';
import { preferenceTask } from '../../src/data/world/labeler';
import { GPT, makeConfig } from '../../src/model';
import { loadCheckpoint, saveCheckpoint } from '../../src/train';
import {
  HEAD_BIAS, HEAD_WEIGHT, PreferencePair, RewardModel, RewardSettings, RewardTrainer,
  makeRewardTrainConfig, pearson, rewardData, rewardSequence, rewardTokens, splitPairs, stepIndices,
} from '../../src/reward';
import { GptLabError } from '../../src/util/assert';
import { getStage, isFinished, loadRewardStage } from '../../src/pipeline';

const world = makeWorld();
const loadRewardModel = (dir: string) => loadRewardStage(dir).rm;

const tok = charTokenizer();
const chat = rewardTokens(tok);

function tinyTrunk(blockSize = 64, seed = 7): GPT {
  return new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize, seed }));
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-reward-'));
}

/** A fast run: short sequences only (blockSize 64 skips the padded replies), lr 1e-2. */
const quickSettings: RewardSettings = {
  pairs: { train: 256, heldOut: 96 },
  train: { batchSize: 16, maxSteps: 30, evalEvery: 10, trainEvalPairs: 32, schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 3, decaySteps: 30 } },
  headSeed: 1,
};

describe('reward data', function () {
  it('splits training and held-out pairs from disjoint example ranges, skipping what does not fit', () => {
    const task = preferenceTask(makeWorld(), { size: 400 });
    const fits = (p: PreferencePair, reply: string) => rewardSequence(chat, p.prompt, reply).length <= 64;
    const s = splitPairs(task, { train: 100, heldOut: 50 }, fits, 120);
    expect(s.train).to.have.length(100);
    expect(s.heldOut).to.have.length(50);
    expect(Math.max(...s.train.map((p) => p.index))).to.be.below(280);
    expect(Math.min(...s.heldOut.map((p) => p.index))).to.be.at.least(280);
    for (const p of [...s.train, ...s.heldOut]) {
      expect(rewardSequence(chat, p.prompt, p.chosen).length).to.be.at.most(64);
      expect(rewardSequence(chat, p.prompt, p.rejected).length).to.be.at.most(64);
      expect(p.chosenScore).to.be.above(p.rejectedScore); // the labeler's choice, by its own scores
    }
  });

  it('walks each epoch through every training pair once', () => {
    const seen = [0, 1, 2].flatMap((step) => stepIndices(12, 4, step, 9));
    expect([...seen].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 12 }, (_, i) => i));
    expect(stepIndices(12, 4, 1, 9)).to.deep.equal(stepIndices(12, 4, 1, 9));
  });

  it('computes a Pearson correlation by the textbook formula', () => {
    // x = 1,2,3 (mean 2), y = 2,4,7 (mean 13/3): sxy = 5, sxx = 2, syy = 12.667 → 5 / sqrt(25.333) = 0.99339
    expect(pearson([1, 2, 3], [2, 4, 7])).to.be.closeTo(0.99339, 1e-5);
    expect(pearson([1, 2, 3], [3, 2, 1])).to.be.closeTo(-1, 1e-12);
  });
});

describe('RewardTrainer', function () {
  before(async () => { await initBackend({ backend: 'wasm' }); });

  it('leaks no tensors in a training step or an evaluation', () => {
    const trunk = tinyTrunk();
    const rm = RewardModel.fromTrunk(trunk);
    const splits = rewardData(world, { ...quickSettings, pairs: { train: 16, heldOut: 8 } }, chat, 64);
    const trainer = new RewardTrainer(rm, splits, makeRewardTrainConfig({ ...quickSettings.train, batchSize: 4 }), chat);
    trainer.trainStep();
    const before = tf.memory().numTensors;
    const s = trainer.trainStep();
    expect(tf.memory().numTensors).to.equal(before);
    trainer.evaluate();
    expect(tf.memory().numTensors).to.equal(before);
    expect(s.loss).to.be.a('number').and.to.be.above(0);
    trainer.optimizer.dispose();
    rm.dispose();
    trunk.dispose();
  });

  it('ranks held-out comparisons well above chance after 30 steps (from a random trunk)', async () => {
    const trunk = tinyTrunk();
    const rm = RewardModel.fromTrunk(trunk, quickSettings.headSeed);
    const splits = rewardData(world, quickSettings, chat, 64);
    const trainer = new RewardTrainer(rm, splits, makeRewardTrainConfig(quickSettings.train), chat);
    const evals = await trainer.run({ yieldEvery: 1000 });
    const first = evals[0];
    const last = evals[evals.length - 1];
    expect(last.step).to.equal(30);
    expect(first.heldOutLoss).to.be.closeTo(Math.LN2, 0.05); // a fresh head: rewards near 0, loss near ln 2
    console.log(`      held-out accuracy ${first.heldOutAccuracy.toFixed(3)} → ${last.heldOutAccuracy.toFixed(3)} on ${splits.heldOut.length} pairs`);
    expect(last.heldOutAccuracy).to.be.above(0.65);
    expect(last.heldOutLoss).to.be.below(first.heldOutLoss);
    trainer.optimizer.dispose();
    rm.dispose();
    trunk.dispose();
  });
});

describe("the pipeline's reward stage", function () {
  before(async () => { await initBackend({ backend: 'wasm' }); });

  it('trains from an SFT checkpoint, saves trunk + head, and loads them back to the same rewards', async () => {
    const root = tmpDir();
    const sftDir = path.join(root, 'sft');
    const trunk = tinyTrunk();
    saveCheckpoint(sftDir, { step: 1, config: trunk.config, seed: 1, tokenizer: 'chat-char', stage: 'sft', extra: { done: true } }, trunk);
    const settings = { ...quickSettings, pairs: { train: 32, heldOut: 16 }, train: { ...quickSettings.train, maxSteps: 4, evalEvery: 2 } };
    let started = 0;
    const out = path.join(root, 'reward');
    const a = await getStage('reward', { profile: 'ci', from: sftDir, dir: out, settings, onStart: () => { started += 1; } });
    expect(started).to.equal(1);
    expect(isFinished(out, 'reward')).to.equal(true);
    const ckpt = loadCheckpoint(out);
    expect(ckpt.state.stage).to.equal('reward');
    expect(ckpt.weights.get(HEAD_WEIGHT)!.shape).to.deep.equal([16, 1]);
    expect(Array.from(ckpt.weights.get(HEAD_BIAS)!.data)).to.deep.equal(Array.from(a.rm.headB.dataSync()));
    const extra = ckpt.state.extra as { evals: { step: number }[]; from: string };
    expect(extra.evals.map((e) => e.step)).to.deep.equal([0, 2, 4]);
    expect(extra.from).to.equal(path.join(sftDir, 'step-000001')); // the exact checkpoint it started from

    const prompts = [{ messages: [{ role: 'user' as const, text: 'What is 5+7?' }] }];
    const want = a.rm.score(prompts, ['Sure! 5+7=12.'], chat);
    const n = tf.memory().numTensors;
    loadRewardModel(out).dispose();
    expect(tf.memory().numTensors).to.equal(n); // loading and disposing leaves nothing behind
    const loaded = loadRewardModel(out);
    expect(loaded.score(prompts, ['Sure! 5+7=12.'], chat)[0]).to.be.closeTo(want[0], 1e-6);
    // the trunk really is the trained one, not the SFT weights
    const sftRm = RewardModel.fromTrunk(trunk);
    const sftWte = sftRm.trunk.params.wte.dataSync();
    const trainedWte = loaded.trunk.params.wte.dataSync();
    expect(trainedWte.some((v, i) => v !== sftWte[i])).to.equal(true);

    // a second call loads: no training
    const b = await getStage('reward', { profile: 'ci', from: sftDir, dir: out, settings, onStart: () => { started += 1; } });
    expect(started).to.equal(1);
    expect(b.rm.score(prompts, ['Sure! 5+7=12.'], chat)[0]).to.be.closeTo(want[0], 1e-6);
    [a.rm, b.rm, loaded, sftRm].forEach((m) => m.dispose());
    trunk.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('refuses to load a checkpoint without a reward head, saying how to make one', () => {
    const root = tmpDir();
    const trunk = tinyTrunk();
    saveCheckpoint(root, { step: 1, config: trunk.config, seed: 1, tokenizer: 'chat-char', stage: 'sft' }, trunk);
    expect(() => loadRewardModel(root)).to.throw(GptLabError, /no reward head.*gpt-lab reward --from/);
    trunk.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });
});
