// The RL and DPO loops on random-init tiny GPTs (vocab 107) with a stand-in reward (the fraction of
// digits in the reply), so they run in seconds without a trained SFT or reward model: one update
// moves probability towards the better replies, training raises the reward, β holds the KL down,
// the reference never changes, and nothing leaks.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { makeWorld } from '../../src/data/world/world';
import { factsTask } from '../../src/data/world/questions';
import { preferenceTask } from '../../src/data/world/labeler';
import { take } from '../../src/data/world/task';
import { GPT, GPTConfig, makeConfig } from '../../src/model';
import { AdamW, optimizerStep } from '../../src/train';
import {
  RewardFn, evaluatePolicy, groupAdvantages, makeRlConfig, pairIds, pairLogProbs, policyLoss, rolloutAndScore, sequenceLogProbs,
  stepExamples, stepPairs, trainDpo, trainRl, batchTensors, tokenLogProbs, labelerRewardFn,
} from '../../src/rlhf';
import { labelerReward } from '../../src/data/world/labeler';
import { promptFor } from '../../src/data/world/task';
import { GptLabError } from '../../src/util/assert';

const tok = charTokenizer();
const chat = chatTokens(tok);
const config: GPTConfig = makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 64, nLayer: 1 });
const world = makeWorld();
const examples = take(factsTask(world, { size: 50 }), 8);
const digits: RewardFn = (_p, replies) => replies.map((t) => (t.match(/[0-9]/g) ?? []).length / Math.max(1, t.length));
const env = { tok, examples, reward: digits };
const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const weights = (m: GPT) => m.variables().map((v) => Array.from(v.dataSync()));

describe('RL loop', function () {
  this.timeout(120_000);
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('cycles through the prompts', () => {
    expect(stepExamples([1, 2, 3], 1, 2)).to.deep.equal([3, 1]);
  });

  it('one GRPO update raises the log-prob of the best reply of a group and lowers the worst', () => {
    const policy = new GPT(config);
    const reference = new GPT(config);
    const r = rolloutAndScore(policy, reference, env, examples.slice(0, 1), 6, { maxTokens: 8, seed: 11 });
    const adv = groupAdvantages(r.rewards, 6);
    const best = adv.indexOf(Math.max(...adv));
    const worst = adv.indexOf(Math.min(...adv));
    expect(adv[best]).to.be.above(0);
    const seq = () => tf.tidy(() => Array.from(sequenceLogProbs(policy, r.rollout.prompts, r.rollout.replies).dataSync()));
    const before = seq();
    const opt = new AdamW(policy.params.byName, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
    const step = optimizerStep(policy.params.byName, opt, [() => {
      const { x, y, mask } = batchTensors(r.rollout.batch);
      const shape = r.rollout.batch.shape;
      return policyLoss(tokenLogProbs(policy, x, y), tf.tensor2d(r.rollout.oldLogp, shape), tf.tensor2d(r.rollout.refLogp, shape), tf.tensor1d(adv), mask, { clipEps: 0.2, beta: 0, kl: 'loss' }).loss;
    }], { lr: 1e-3, gradClip: 0 });
    tf.dispose([step.loss, step.gradNorm]);
    const after = seq();
    expect(after[best]).to.be.above(before[best]);
    expect(after[worst]).to.be.below(before[worst]);
    opt.dispose();
    policy.dispose();
    reference.dispose();
  });

  for (const algo of ['grpo', 'ppo'] as const) {
    it(`${algo} raises the reward, leaves the reference untouched and leaks no tensors`, async () => {
      const policy = new GPT(config);
      const reference = new GPT(config);
      const refBefore = weights(reference);
      const before = tf.memory().numTensors;
      const seen: number[] = [];
      const history = await trainRl(policy, reference, env, makeRlConfig(algo, { steps: 24, promptsPerStep: 2, groupSize: 4, maxTokens: 8, lr: 1e-2, beta: 0 }),
        { onStep: (s) => seen.push(s.step) });
      expect(tf.memory().numTensors).to.equal(before);
      expect(seen).to.deep.equal(Array.from({ length: 24 }, (_, i) => i + 1));
      const first = meanOf(history.slice(0, 6).map((s) => s.reward));
      const last = meanOf(history.slice(-6).map((s) => s.reward));
      expect(last, `reward ${first.toFixed(3)} → ${last.toFixed(3)}`).to.be.above(first + 0.03);
      expect(history[0].kl).to.be.closeTo(0, 1e-4); // the first rollout comes from the SFT weights themselves
      expect(weights(reference)).to.deep.equal(refBefore);
      for (const s of history) {
        for (const k of ['reward', 'kl', 'correct', 'labeler', 'distinct1', 'distinct2', 'loss', 'gradNorm'] as const) expect(Number.isFinite(s[k]), k).to.equal(true);
      }
      policy.dispose();
      reference.dispose();
    });
  }

  it('a KL coefficient keeps the policy closer to the reference than β = 0', async () => {
    const run = async (beta: number) => {
      const policy = new GPT(config);
      const reference = new GPT(config);
      const h = await trainRl(policy, reference, env, makeRlConfig('ppo', { steps: 15, promptsPerStep: 2, groupSize: 4, maxTokens: 8, lr: 1e-2, beta }));
      policy.dispose();
      reference.dispose();
      return meanOf(h.slice(-5).map((s) => s.kl));
    };
    const free = await run(0);
    const held = await run(1);
    expect(held, `KL with β=1 ${held.toFixed(3)}, with β=0 ${free.toFixed(3)}`).to.be.below(free);
  });

  it('evaluates a model on held-out prompts with every score, the same for the same seed', () => {
    const policy = new GPT(config);
    const reference = new GPT(config);
    const opts = { samples: 3, maxTokens: 6, seed: 4, batchPrompts: 2 };
    const a = evaluatePolicy(policy, reference, env, examples.slice(0, 3), opts);
    const b = evaluatePolicy(policy, reference, env, examples.slice(0, 3), opts);
    expect(a.rows).to.have.length(9);
    expect(a.rows.map((r) => r.reply)).to.deep.equal(b.rows.map((r) => r.reply));
    expect(a.reward).to.be.closeTo(meanOf(a.rows.map((r) => r.reward)), 1e-9);
    expect(a.kl).to.be.closeTo(0, 1e-4); // the policy is the reference
    expect(a.distinct1).to.be.within(0, 1);
    policy.dispose();
    reference.dispose();
  });
});

describe('DPO loop', function () {
  this.timeout(120_000);
  before(async () => { await initBackend({ backend: 'cpu' }); });
  const pairs = take(preferenceTask(world, { size: 40 }), 12).map((ex) => pairIds(ex, chat, config.blockSize));

  it('turns a preference example into prompt, chosen and rejected ids', () => {
    const ex = preferenceTask(world, { size: 40 }).example(0);
    const p = pairIds(ex, chat, 1000);
    expect(tok.decode(p.chosen.slice(0, -1))).to.equal(ex.replies[ex.preferred]);
    expect(tok.decode(p.rejected.slice(0, -1))).to.equal(ex.replies[1 - ex.preferred]);
    expect(p.chosen[p.chosen.length - 1]).to.equal(chat.assistantEnd);
    expect(p.prompt[p.prompt.length - 1]).to.equal(chat.assistantStart);
  });

  it('visits every pair once per epoch', () => {
    const xs = Array.from({ length: 6 }, (_, i) => i);
    const epoch = [...stepPairs(xs, 0, 3, 1), ...stepPairs(xs, 1, 3, 1)];
    expect([...epoch].sort()).to.deep.equal(xs);
  });

  it('starts at loss ln 2, then learns to rank the chosen replies higher, reference untouched, no leaks', async () => {
    const policy = new GPT(config);
    const reference = new GPT(config);
    const refBefore = weights(reference);
    const before = tf.memory().numTensors;
    const history = await trainDpo(policy, reference, pairs, { steps: 12, pairsPerStep: 4, lr: 3e-3, beta: 0.5 });
    expect(tf.memory().numTensors).to.equal(before);
    expect(history[0].loss).to.be.closeTo(Math.LN2, 1e-4);
    expect(weights(reference)).to.deep.equal(refBefore);
    // On all the pairs: the implicit reward margin is now positive for most.
    const margins = tf.tidy(() => {
      const p = pairLogProbs(policy, pairs);
      const r = pairLogProbs(reference, pairs);
      return Array.from(tf.sub(tf.sub(p.chosen, r.chosen), tf.sub(p.rejected, r.rejected)).dataSync());
    });
    const acc = meanOf(margins.map((m) => (m > 0 ? 1 : 0)));
    expect(acc, `pair accuracy ${acc}`).to.be.at.least(0.75);
    expect(meanOf(history.slice(-3).map((s) => s.loss))).to.be.below(Math.LN2 - 0.05);
    policy.dispose();
    reference.dispose();
  });
});

describe('labelerRewardFn (the control reward)', () => {
  it('pays each reply the labeler score of its own question, and refuses a foreign prompt', () => {
    const f = labelerRewardFn(examples.slice(0, 3));
    const [a, b] = [examples[0], examples[2]];
    const right = `It is ${a.expected.value}.`;
    const replies = [right, 'I do not know.'];
    const got = f([promptFor(a), promptFor(b)], replies);
    expect(got).to.deep.equal([labelerReward(a, replies[0]), labelerReward(b, replies[1])]);
    // a right answer to a's question is worth more than a wrong one
    expect(f([promptFor(a)], [right])[0]).to.be.above(f([promptFor(a)], ['I do not know.'])[0]);
    expect(() => f([promptFor(examples[5])], ['x'])).to.throw(GptLabError, 'is not one of its 3 examples');
  });
});
