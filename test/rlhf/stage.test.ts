// The stage's data and report helpers: held-out prompts disjoint from the RL prompts, DPO pairs that
// are the reward model's own training comparisons, smoothing and the comparison table.

import { expect } from 'chai';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { initBackend } from '../../src/backend';
import { GPT, makeConfig } from '../../src/model';
import { OnPolicySettings, onPolicyData } from '../../src/reward/onpolicy';
import { comparisonRows, dpoPairs, metricChart, movingAverage, PolicyEval, RlStepInfo } from '../../src/rlhf';
import { practiceRanges, questionRanges } from '../../src/data/world/splits';
import { makeWorld } from '../../src/data/world/world';
import { pipelineSettings } from '../../src/pipeline';
import { PROFILES } from '../../src/profile';
import { GptLabError } from '../../src/util/assert';

const world = makeWorld();

describe('rlhf stage data', () => {
  it('splits distinct fact questions into RL prompts and held-out prompts that share none', () => {
    const { train, heldOut } = questionRanges(world, pipelineSettings('full').questions);
    expect(train).to.have.length(160);
    expect(heldOut).to.have.length(48);
    const seen = new Set(train.map((e) => e.question));
    expect(seen.size).to.equal(160);
    expect(heldOut.filter((e) => seen.has(e.question))).to.deep.equal([]);
    expect(train.every((e) => e.task === 'facts')).to.equal(true);
    expect(() => questionRanges(world, { prompts: 300, heldOut: 10, rewardHeldOut: 0 })).to.throw(/only \d+ distinct fact questions exist/);
  });

  it('gives DPO exactly the on-policy reward model\'s training comparisons, preferred reply first', async () => {
    await initBackend({ backend: 'wasm' });
    const tok = charTokenizer();
    const chat = chatTokens(tok);
    const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 96, seed: 5 }));
    const settings: OnPolicySettings = {
      headSeed: 1, fallbackPairs: { train: 16, heldOut: 4 },
      sampling: { samples: 4, maxTokens: 10, temperature: 1, seed: 4 }, train: {},
    };
    const q = questionRanges(world, { prompts: 8, heldOut: 2, rewardHeldOut: 3 });
    // a random model's replies all tie under the labeler; rank them by their vowels
    const vowels = (_e: unknown, r: string) => (r.match(/[aeiou]/gi) ?? []).length;
    const pairs = dpoPairs(model, tok, world, q, settings, vowels);
    const rm = onPolicyData(model, tok, world, q, settings, vowels).train;
    expect(onPolicyData(model, tok, world, q, settings, vowels).source).to.equal('on-policy');
    expect(rm.length).to.be.greaterThan(0);
    expect(pairs).to.have.length(rm.length);
    pairs.forEach((p, i) => {
      expect(tok.decode(p.chosen)).to.equal(rm[i].chosen + '<|assistant_end|>');
      expect(tok.decode(p.rejected)).to.equal(rm[i].rejected + '<|assistant_end|>');
      expect(vowels(null, rm[i].chosen)).to.be.greaterThan(vowels(null, rm[i].rejected));
      expect(p.prompt[p.prompt.length - 1]).to.equal(chat.assistantStart);
      expect(p.prompt.length + p.chosen.length).to.be.at.most(97);
    });
    model.dispose();
  });

  it('scores every model on the questions the reward model\'s comparisons never used', () => {
    for (const prof of PROFILES) {
      const ranges = questionRanges(world, pipelineSettings(prof).questions);
      const compared = new Set([...ranges.train, ...ranges.rewardHeldOut].map((e) => e.question));
      expect(ranges.heldOut.length).to.be.greaterThan(0);
      expect(ranges.heldOut.filter((e) => compared.has(e.question))).to.deep.equal([]);
    }
  });
});

describe('rlhf report', () => {
  it('smooths with a trailing moving average', () => {
    expect(movingAverage([1, 2, 3, 4], 2)).to.deep.equal([1, 1.5, 2.5, 3.5]);
    expect(movingAverage([5], 3)).to.deep.equal([5]);
  });

  it('draws one line per run and one table row per model', () => {
    const step = (s: number, reward: number) => ({ step: s, reward } as RlStepInfo);
    const fig = metricChart({ a: [step(1, 1), step(2, 3)], b: [step(1, 0)] }, 'reward', 2);
    expect(fig.data.map((t) => t.name)).to.deep.equal(['a', 'b']);
    expect(fig.data[0].y).to.deep.equal([1, 2]);
    const e = { reward: 0.12345, kl: 1, correct: 0.5, labeler: 0.7, distinct1: 0.9, distinct2: 0.8, batchDistinct2: 0.9, length: 20.04, rows: [] } as PolicyEval;
    expect(comparisonRows({ sft: e })).to.deep.equal([{ model: 'sft', 'RM reward': 0.123, 'KL to SFT': 1, 'true score %': 50, labeler: 0.7, 'distinct-1': 0.9, 'distinct-2': 0.8, 'length (chars)': 20 }]);
  });
});

describe('practice run (RLHF on the questions the reward model learned)', () => {
  it('practises the first RL prompts, and neither they nor the reward model\'s held-out questions are ever scored', () => {
    for (const prof of PROFILES) {
      const { practice: s, questions } = pipelineSettings(prof);
      const ranges = practiceRanges(world, s.questions, s.rewardHeldOut, questions);
      const rl = questionRanges(world, questions);
      expect(ranges.train.map((e) => e.question)).to.deep.equal(rl.train.slice(0, s.questions).map((e) => e.question));
      const compared = new Set([...ranges.train, ...ranges.rewardHeldOut].map((e) => e.question));
      expect(compared.size).to.equal(s.questions + s.rewardHeldOut);
      expect(rl.heldOut.filter((e) => compared.has(e.question))).to.deep.equal([]);
    }
  });

  it('refuses settings whose questions would run into the scored ones', () => {
    expect(() => practiceRanges(world, 30, 8, pipelineSettings('ci').questions)).to.throw(GptLabError, 'exceed the 32 RL prompts');
  });
});
