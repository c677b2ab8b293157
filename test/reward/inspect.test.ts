// What the reward model learned: pairs sorted by the labeler rule that separates them, accuracy within
// each kind, and probe replies in every style, checked against hand-made pairs and the labeler itself.

import { expect } from 'chai';
import { arithmeticExample } from '../../src/data/world/arithmetic';
import { labelerReward } from '../../src/data/world/labeler';
import { promptFor } from '../../src/data/world/task';
import { PreferencePair, accuracyByKind, pairKind, probeReplies } from '../../src/reward';

const ex = arithmeticExample(5, '+', 7);

/** A pair for 5+7 with the labeler's own scores. */
function pair(chosen: string, rejected: string): PreferencePair {
  const right = (r: string) => r.includes('=12.');
  return {
    index: 0, prompt: promptFor(ex), chosen, rejected, source: ex,
    chosenScore: labelerReward(ex, chosen), rejectedScore: labelerReward(ex, rejected),
    chosenCorrect: right(chosen), rejectedCorrect: right(rejected),
  };
}

describe('reward inspection', function () {
  it('names what separates a pair: correctness first, then tone', () => {
    expect(pairKind(pair('Obviously, 5+7=12.', 'Sure! 5+7=13.'))).to.equal('correctness differs');
    expect(pairKind(pair('Sure! 5+7=12.', 'Obviously, 5+7=12.'))).to.equal('same correctness, tone differs');
    expect(pairKind(pair('5+7=12.', '5+7=12. I thought about this question for a long time.'))).to.equal('same correctness and tone');
  });

  it('counts accuracy within each kind of pair', () => {
    const pairs = [pair('Obviously, 5+7=12.', 'Sure! 5+7=13.'), pair('5+7=12.', '5+7=14.'), pair('Sure! 5+7=12.', 'Obviously, 5+7=12.')];
    // the first is ranked wrong (tone won), the second right, the third right
    const rows = accuracyByKind(pairs, { chosen: [0, 1, 2], rejected: [1, 0, -1] });
    expect(rows).to.deep.equal([
      { kind: 'correctness differs', pairs: 2, accuracy: 0.5 },
      { kind: 'same correctness, tone differs', pairs: 1, accuracy: 1 },
    ]);
  });

  it('writes one probe per correctness and tone, scored by the labeler as its style says', () => {
    const probes = probeReplies(ex);
    expect(probes.map((p) => p.style)).to.deep.equal(['right, polite', 'right, plain', 'right, rude', 'wrong, polite', 'wrong, plain', 'wrong, rude']);
    expect(probes[0].reply).to.equal('Sure! 5+7=12.');
    // correct 0.6 + polite 0.2 · {1, 0.5, 0} + brief 0.2
    expect(probes.map((p) => labelerReward(ex, p.reply))).to.deep.equal([1, 0.9, 0.8, 0.4, 0.3, 0.2]);
  });
});
