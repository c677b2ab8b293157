// The think model's data: carries, slipped solutions, the three formats at equal length, prompts and masks.

import { expect } from 'chai';
import { addSteps } from '../../src/data/world/arithmetic';
import { checkAnswer } from '../../src/data/world/answers';
import { Rng } from '../../src/data/rng';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';
import {
  carries, checkQuestion, drawSum, flawedSteps, heldOutSums, MODE_TOKENS, readVerdict, renderSum, replyIds, slippedSteps,
  sumPrompt, thinkExample, ThinkDataConfig,
} from '../../src/think/sums';

// a tokenizer with a few merges, so ids can be counted by hand: digits, '#', '.', '\n' stay single bytes
const tok = trainChatTokenizer(['What is', 'What is', 'write', 'write'], 256 + 4 + CHAT_BPE_SPECIALS.length);

const DATA: ThinkDataConfig = {
  weights: { direct: 1, worked: 1, filler: 1, quality: 1, check: 1 }, digits: [2, 3], flawRate: 0.5, tagRate: 0.67, wrongProposals: 0.5,
};

describe('carries', () => {
  it('counts the columns that carry, by hand', () => {
    expect(carries(347, 85)).to.equal(2);
    expect(carries(12, 34)).to.equal(0);
    expect(carries(999, 1)).to.equal(3);
    expect(carries(5, 5)).to.equal(1);
    expect(carries(0, 0)).to.equal(0);
    expect(carries(50, 50)).to.equal(1);
  });

  it('agrees with the carries written in addSteps on random sums', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 300; i++) {
      const { a, b } = drawSum(rng, rng.int(1, 5));
      expect(carries(a, b)).to.equal(addSteps(a, b).steps.filter((s) => s.includes('carry')).length);
    }
  });
});

describe('slippedSteps', () => {
  it('slips one column by hand: 347+85 with the units one too high', () => {
    expect(slippedSteps(347, 85, 0, 1)).to.deep.equal({
      steps: ['7+5=13, write 3, carry 1.', '4+8+1=13, write 3, carry 1.', '3+1=4, write 4.'], result: 433,
    });
  });

  it('carries a slip across a column: 19+10 with the units one too high carries into the tens', () => {
    expect(slippedSteps(19, 10, 0, 1)).to.deep.equal({ steps: ['9+0=10, write 0, carry 1.', '1+1+1=3, write 3.'], result: 30 });
  });

  it('is addSteps with no slip, and always off by delta * 10^column', () => {
    const rng = new Rng(5);
    for (let i = 0; i < 300; i++) {
      const { a, b } = drawSum(rng, rng.int(1, 5));
      expect(slippedSteps(a, b, 0, 0)).to.deep.equal(addSteps(a, b));
      const width = Math.max(String(a).length, String(b).length);
      const column = rng.int(0, width);
      const w = slippedSteps(a, b, column, 1);
      expect(w.result).to.equal(a + b + 10 ** column);
    }
  });
});

describe('flawedSteps', () => {
  it('is always wrong by one unit of one column, and the checker calls it wrong', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 500; i++) {
      const { a, b } = i < 20 ? { a: 100 * (1 + (i % 9)), b: 200 } : drawSum(rng, rng.int(1, 5)); // zero columns included
      const w = flawedSteps(a, b, rng);
      const off = Math.abs(w.result - (a + b));
      expect(Math.log10(off) % 1).to.equal(0, `${a}+${b} → ${w.result}`);
      expect(checkAnswer({ kind: 'number', value: a + b }, `#### ${w.result}`)).to.equal(false);
    }
  });
});

describe('replyIds', () => {
  const w = addSteps(12, 34);
  const answer = tok.encode('#### 46');

  it('direct is the answer alone; worked is the steps then the answer', () => {
    expect(replyIds(tok, 'direct', w)).to.deep.equal(answer);
    expect(replyIds(tok, 'worked', w)).to.deep.equal([...tok.encode('2+4=6, write 6.\n1+3=4, write 4.\n'), ...answer]);
  });

  it('filler has exactly as many tokens as worked, all of them one filler token before the same answer', () => {
    for (const [a, b] of [[12, 34], [347, 85], [9999, 1]]) {
      const worked = replyIds(tok, 'worked', addSteps(a, b));
      const filler = replyIds(tok, 'filler', addSteps(a, b));
      const ans = tok.encode(`#### ${a + b}`);
      expect(filler.length).to.equal(worked.length);
      expect(filler.slice(-ans.length)).to.deep.equal(ans);
      expect(new Set(filler.slice(0, -ans.length))).to.deep.equal(new Set(tok.encode('.')));
    }
  });
});

describe('sumPrompt and renderSum', () => {
  it('puts the mode token right after <|user_start|>, and none for an untagged quality prompt', () => {
    const p = sumPrompt(tok, { a: 12, b: 34 }, { kind: 'format', format: 'worked' });
    expect(p.slice(0, 3)).to.deep.equal([tok.special('<|bos|>'), tok.special('<|user_start|>'), tok.special(MODE_TOKENS.worked)]);
    expect(p.slice(-2)).to.deep.equal([tok.special('<|user_end|>'), tok.special('<|assistant_start|>')]);
    expect(tok.decode(p.slice(3, -2))).to.equal('What is 12+34?');
    const none = sumPrompt(tok, { a: 12, b: 34 }, { kind: 'quality', tag: 'none' });
    expect(none.length).to.equal(p.length - 1);
    expect(sumPrompt(tok, { a: 12, b: 34 }, { kind: 'quality', tag: 'good' })[2]).to.equal(tok.special('<|good|>'));
  });

  it('trains on the reply and <|assistant_end|> only', () => {
    const r = renderSum(tok, { a: 12, b: 34 }, { kind: 'format', format: 'direct' });
    const prompt = sumPrompt(tok, { a: 12, b: 34 }, { kind: 'format', format: 'direct' });
    expect(r.ids).to.deep.equal([...prompt, ...tok.encode('#### 46'), tok.special('<|assistant_end|>')]);
    expect(r.mask).to.deep.equal([...prompt.map(() => 0), ...tok.encode('#### 46').map(() => 1), 1]);
  });

  it('writes a check as the correct steps and the verdict', () => {
    const wrong = renderSum(tok, { a: 12, b: 34 }, { kind: 'check', proposed: 47 });
    const text = tok.decode(wrong.ids.filter((id) => !tok.isSpecial(id)));
    expect(text).to.equal(`${checkQuestion({ a: 12, b: 34 }, 47)}2+4=6, write 6.\n1+3=4, write 4.\n#### 46\nwrong`);
    expect(readVerdict(tok.decode(renderSum(tok, { a: 12, b: 34 }, { kind: 'check', proposed: 46 }).ids.slice(0, -1)))).to.equal('right');
  });
});

describe('readVerdict', () => {
  it('reads the last word when it is right or wrong', () => {
    expect(readVerdict('7+5=12\n#### 12\nwrong')).to.equal('wrong');
    expect(readVerdict('#### 12\nright.')).to.equal('right');
    expect(readVerdict('#### 12')).to.equal(undefined);
    expect(readVerdict('wrong, #### 12')).to.equal(undefined);
  });
});

describe('thinkExample', () => {
  it('is a function of (seed, i), and tags agree with the quality of the solution', () => {
    expect(thinkExample(tok, DATA, 1, 5)).to.deep.equal(thinkExample(tok, DATA, 1, 5));
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const ex = thinkExample(tok, DATA, 1, i);
      const name = ex.mode.kind === 'format' ? ex.mode.format : ex.mode.kind;
      counts[name] = (counts[name] ?? 0) + 1;
      expect(String(ex.a).length).to.be.oneOf([2, 3]);
      const reply = tok.decode(ex.rendered.ids.filter((_, j) => ex.rendered.mask[j] === 1).slice(0, -1));
      if (ex.mode.kind === 'quality') {
        expect(checkAnswer({ kind: 'number', value: ex.a + ex.b }, reply)).to.equal(ex.correct);
        if (ex.mode.tag === 'good') expect(ex.correct).to.equal(true);
        if (ex.mode.tag === 'bad') expect(ex.correct).to.equal(false);
      } else if (ex.mode.kind === 'check') {
        expect(readVerdict(reply)).to.equal(ex.mode.proposed === ex.a + ex.b ? 'right' : 'wrong');
      } else {
        expect(checkAnswer({ kind: 'number', value: ex.a + ex.b }, reply)).to.equal(true);
      }
    }
    for (const k of ['direct', 'worked', 'filler', 'quality', 'check']) expect(counts[k]).to.be.within(150, 250);
  });
});

describe('heldOutSums', () => {
  it('gives distinct sums of the asked digits, none of them excluded', () => {
    const exclude = new Set(heldOutSums(2, 200, 9).map((s) => `${s.a}+${s.b}`));
    const sums = heldOutSums(2, 300, 1, exclude);
    const keys = sums.map((s) => `${s.a}+${s.b}`);
    expect(new Set(keys).size).to.equal(300);
    expect(keys.some((k) => exclude.has(k))).to.equal(false);
    expect(sums.every((s) => s.a >= 10 && s.a < 100 && s.b >= 10 && s.b < 100)).to.equal(true);
  });

  it('says so when the sums run out', () => {
    expect(() => heldOutSums(1, 200, 1)).to.throw(/only 100 of 200/);
  });
});
