// On-policy comparisons: pairs from given scores by hand, the labeler's ranking of known replies,
// sampled comparisons that are deterministic and re-score to the labeler, question ranges that never
// overlap, and the on-policy reward stage that trains once and loads after.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { labelerReward } from '../../src/data/world/labeler';
import { factsTask } from '../../src/data/world/questions';
import { QAExample, referenceAnswer } from '../../src/data/world/task';
import { makeWorld } from '../../src/data/world/world';
import { GPT, makeConfig } from '../../src/model';
import { loadCheckpoint, saveCheckpoint } from '../../src/train';
import { rewardData, rewardTokens } from '../../src/reward';
import {
  OnPolicySettings, comparePairs, onPolicyData, rankedPairs, sampleComparisons, sampleGroups,
} from '../../src/reward/onpolicy';
import { questionRanges as ranges, QuestionRanges } from '../../src/data/world/splits';
import { getStage, isFinished } from '../../src/pipeline';

const world = makeWorld();
const questionRanges = (sizes: QuestionRanges) => ranges(world, sizes);

const tok = charTokenizer();

function facts(n: number): QAExample[] {
  const t = factsTask(makeWorld(), { split: 'train', size: n, seed: 3 });
  return Array.from({ length: n }, (_, i) => t.example(i));
}

// A random model's replies are all wrong, polite-neutral and brief: the labeler ties them all. Tests
// of the plumbing rank them by their vowels instead.
const vowels = (_e: QAExample, r: string) => (r.match(/[aeiou]/gi) ?? []).length;

const tiny = (seed = 7) => new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 96, seed }));

describe('on-policy comparisons', function () {
  before(async () => { await initBackend({ backend: 'wasm' }); });

  it('pairs every two differently scored replies, the higher one chosen, ties left out', () => {
    expect(rankedPairs([0.8, 0.2, 0.8])).to.deep.equal([[0, 1], [2, 1]]);
    expect(rankedPairs([1, 2, 3])).to.deep.equal([[1, 0], [2, 0], [2, 1]]);
    expect(rankedPairs([0.5, 0.5, 0.5])).to.deep.equal([]);
    expect(rankedPairs([3])).to.deep.equal([]);
    // K distinct scores give K(K-1)/2 pairs, InstructGPT's count
    expect(rankedPairs([5, 1, 4, 2, 3, 0])).to.have.length(15);
  });

  it('builds pairs from the labeler: a right brief reply beats a wrong one, and the scores are the labeler\'s', () => {
    const [ex] = facts(1);
    const right = referenceAnswer(ex);
    const wrong = 'I do not know, figure it out.';
    const pairs = comparePairs([ex], [[wrong, right, wrong]]);
    expect(pairs).to.have.length(2); // (1 over 0) and (1 over 2); the two wrong ones tie
    for (const p of pairs) {
      expect(p.chosen).to.equal(right);
      expect(p.rejected).to.equal(wrong);
      expect(p.chosenScore).to.equal(labelerReward(ex, right));
      expect(p.rejectedScore).to.equal(labelerReward(ex, wrong));
      expect(p.chosenCorrect).to.equal(true);
      expect(p.rejectedCorrect).to.equal(false);
      expect(p.index).to.equal(0);
      expect(p.source).to.equal(ex);
    }
    // any scorer may rank: by length, shorter first
    const byLength = comparePairs(facts(2), [['aaa', 'a'], ['bb', 'bb']], (_e, r) => -r.length);
    expect(byLength.map((p) => [p.index, p.chosen, p.rejected])).to.deep.equal([[0, 'a', 'aaa']]);
    expect(() => comparePairs(facts(2), [['a', 'b']])).to.throw(/2 examples but 1 groups/);
  });

  it('samples K replies per question, deterministically, and every pair re-scores to its ranker', () => {
    const model = tiny();
    const exs = facts(3);
    const opts = { samples: 4, maxTokens: 12, temperature: 1, seed: 5 };
    const groups = sampleGroups(model, tok, exs, opts);
    expect(groups.map((g) => g.length)).to.deep.equal([4, 4, 4]);
    expect(sampleGroups(model, tok, exs, opts)).to.deep.equal(groups);
    const pairs = sampleComparisons(model, tok, exs, opts, vowels);
    let expected = 0;
    groups.forEach((g, q) => {
      const s = g.map((r) => vowels(exs[q], r));
      for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) if (s[i] !== s[j]) expected += 1;
    });
    expect(expected).to.be.greaterThan(0);
    expect(pairs).to.have.length(expected);
    for (const p of pairs) {
      expect(groups[p.index]).to.include(p.chosen);
      expect(groups[p.index]).to.include(p.rejected);
      expect(vowels(exs[p.index], p.chosen)).to.be.greaterThan(vowels(exs[p.index], p.rejected));
      expect(p.chosenScore).to.equal(vowels(exs[p.index], p.chosen));
    }
    expect(() => sampleGroups(model, tok, exs, { ...opts, samples: 1 })).to.throw(/at least 2 replies/);
    model.dispose();
  });

  it('cuts the fact questions into disjoint ranges, in one fixed order', () => {
    const r = questionRanges({ prompts: 20, heldOut: 6, rewardHeldOut: 5 });
    expect([r.train.length, r.heldOut.length, r.rewardHeldOut.length]).to.deep.equal([20, 6, 5]);
    const all = [...r.train, ...r.heldOut, ...r.rewardHeldOut].map((e) => e.question);
    expect(new Set(all).size).to.equal(31);
    // a smaller request is a prefix of a larger one: the ranges do not move when one of them grows
    const s = questionRanges({ prompts: 20, heldOut: 6, rewardHeldOut: 0 });
    expect(s.train.map((e) => e.question)).to.deep.equal(r.train.map((e) => e.question));
    expect(s.heldOut.map((e) => e.question)).to.deep.equal(r.heldOut.map((e) => e.question));
    expect(() => questionRanges({ prompts: 5000, heldOut: 1, rewardHeldOut: 1 })).to.throw(/distinct fact questions/);
  });

  it('never makes a comparison on a question the policies are scored on', () => {
    const model = tiny(3);
    const settings: OnPolicySettings = {
      headSeed: 1, fallbackPairs: { train: 16, heldOut: 4 },
      sampling: { samples: 4, maxTokens: 10, temperature: 1, seed: 2 }, train: {},
    };
    const q = questionRanges({ prompts: 8, heldOut: 4, rewardHeldOut: 3 });
    const splits = onPolicyData(model, tok, world, q, settings, vowels);
    expect(splits.source).to.equal('on-policy');
    expect(splits.train.length).to.be.greaterThan(0);
    const evalQuestions = new Set(q.heldOut.map((e) => e.question));
    const trainQ = new Set(q.train.map((e) => e.question));
    const heldQ = new Set(q.rewardHeldOut.map((e) => e.question));
    expect(splits.train.every((p) => trainQ.has(p.source.question))).to.equal(true);
    expect(splits.heldOut.every((p) => heldQ.has(p.source.question))).to.equal(true);
    expect([...splits.train, ...splits.heldOut].some((p) => evalQuestions.has(p.source.question))).to.equal(false);
    model.dispose();
  });
});

describe('on-policy comparisons of a model too weak to rank', function () {
  before(async () => { await initBackend({ backend: 'wasm' }); });

  it('falls back to the templated comparisons when every reply ties, and says so', () => {
    const model = tiny(9);
    const settings: OnPolicySettings = {
      headSeed: 1, fallbackPairs: { train: 40, heldOut: 12 },
      sampling: { samples: 3, maxTokens: 8, temperature: 1, seed: 2 }, train: {},
    };
    const q = questionRanges({ prompts: 4, heldOut: 2, rewardHeldOut: 2 });
    // a random model's replies are all wrong, neutral and brief: the labeler ties them (0.3 each)
    const groups = sampleGroups(model, tok, q.train, settings.sampling);
    expect(groups.flat().every((r) => labelerReward(q.train[0], r) === labelerReward(q.train[0], groups[0][0]))).to.equal(true);
    const d = onPolicyData(model, tok, world, q, settings);
    expect(d.source).to.equal('templated');
    const want = rewardData(world, { pairs: settings.fallbackPairs }, rewardTokens(tok), 96);
    expect(d.train.map((p) => [p.chosen, p.rejected])).to.deep.equal(want.train.map((p) => [p.chosen, p.rejected]));
    expect(d.heldOut).to.have.length(want.heldOut.length);
    model.dispose();
  });
});

describe("the pipeline's on-policy reward stage", function () {
  before(async () => { await initBackend({ backend: 'wasm' }); });

  it('trains on the SFT model\'s own comparisons once, saves a reward checkpoint, loads it after', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-onpolicy-'));
    const sftDir = path.join(root, 'sft');
    const trunk = tiny(11);
    saveCheckpoint(sftDir, { step: 1, config: trunk.config, seed: 1, tokenizer: 'chat-char', stage: 'sft', extra: { done: true } }, trunk);
    const settings: Partial<OnPolicySettings> = {
      sampling: { samples: 4, maxTokens: 10, temperature: 1, seed: 3 },
      train: { batchSize: 4, maxSteps: 3, evalEvery: 0, trainEvalPairs: 4, schedule: { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 0, decaySteps: 3 } },
    };
    const out = path.join(root, 'reward-onpolicy');
    let started = 0;
    const a = await getStage('reward-onpolicy', { profile: 'ci', from: sftDir, dir: out, settings, score: vowels, onStart: () => { started += 1; } });
    expect(started).to.equal(1);
    expect(isFinished(out, 'reward')).to.equal(true);
    const extra = loadCheckpoint(out).state.extra as { data: string; pairs: { train: number; heldOut: number }; evals: { step: number }[] };
    expect(extra.data).to.equal('on-policy');
    expect(extra.evals.map((e) => e.step)).to.deep.equal([0, 3]);
    expect(extra.pairs.train).to.be.greaterThan(0);
    const prompts = [{ messages: [{ role: 'user' as const, text: 'Where does Belim live?' }] }];
    const want = a.rm.score(prompts, ['Belim lives in Dusem.'], a.chat)[0];
    const n = tf.memory().numTensors;
    const b = await getStage('reward-onpolicy', { profile: 'ci', from: sftDir, dir: out, settings, score: vowels, onStart: () => { started += 1; } });
    expect(started).to.equal(1); // loaded, not trained again
    expect(b.loaded).to.equal(true);
    expect(b.rm.score(prompts, ['Belim lives in Dusem.'], b.chat)[0]).to.be.closeTo(want, 1e-6);
    b.rm.dispose();
    expect(tf.memory().numTensors).to.equal(n);
    a.rm.dispose();
    trunk.dispose();
    fs.rmSync(root, { recursive: true, force: true });
  });
});
