// The verifier's comparisons and the think mixture's data, checked by the task's own answer checker.

import { expect } from 'chai';
import { checkAnswer } from '../../src/data/world/answers';
import { Rng } from '../../src/data/rng';
import { rewardTokens } from '../../src/reward/model';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';
import { thinkData, thinkTrainingKeys, verifierPairs, wrongSolution } from '../../src/think/stage';
import { thinkSettings } from '../../src/think/settings';

const tok = trainChatTokenizer(['What is'], 256 + 2 + CHAT_BPE_SPECIALS.length);

describe('verifier data', () => {
  it('wrongSolution is always wrong by one unit of one digit', () => {
    const rng = new Rng(1);
    for (let i = 0; i < 400; i++) {
      const a = rng.int(10, 1000);
      const b = rng.int(10, 1000);
      const text = wrongSolution(a, b, rng);
      expect(checkAnswer({ kind: 'number', value: a + b }, text)).to.equal(false);
      const got = Number(text.split('#### ')[1]);
      expect(Math.log10(Math.abs(got - (a + b))) % 1).to.equal(0);
    }
  });

  it('pairs a right solution (chosen) with a wrong one (rejected) of the same sum, held-out pairs from another seed', () => {
    const s = { ...thinkSettings('ci').verifier, pairs: { train: 50, heldOut: 20 } };
    const { train, heldOut } = verifierPairs(rewardTokens(tok), 256, s, 3);
    expect(train.length).to.equal(50);
    expect(heldOut.length).to.equal(20);
    for (const p of [...train, ...heldOut]) {
      expect(checkAnswer(p.source.expected, p.chosen)).to.equal(true);
      expect(checkAnswer(p.source.expected, p.rejected)).to.equal(false);
    }
    expect(heldOut[0].chosen).to.not.equal(train[0].chosen);
  });
});

describe('thinkData', () => {
  it('renders the settings\' examples and records every training sum', () => {
    const s = { ...thinkSettings('ci').sft, examples: 40, valExamples: 8 };
    const d = thinkData(tok, 256, s, 2);
    expect(d.train.length).to.equal(40);
    expect(d.val.length).to.equal(8);
    expect(d.keys).to.deep.equal(thinkTrainingKeys(tok, s, 2));
    expect(d.keys.size).to.be.within(30, 40);
  });
});
