// The open-book prompt: the exact text, and as many ranked chunks as fit a budget, counted by hand.

import { expect } from 'chai';
import { fitPrompt, ragPrompt } from '../../src/retrieval';
import { GptLabError } from '../../src/util/assert';

const chunk = (id: string, text: string) => ({ id, docId: id.split('/')[0], text });
const ranked = [chunk('a/1', 'Tafa is a smith.'), chunk('b/1', 'Punar lives in Fofum.'), chunk('c/1', 'Kiki is a goat.')];

describe('ragPrompt and fitPrompt', () => {
  it('writes the task world\'s open-book format', () => {
    expect(ragPrompt(ranked.slice(0, 2), 'Who is a smith?'))
      .to.equal('Document: Tafa is a smith.\nDocument: Punar lives in Fofum.\nQuestion: Who is a smith?');
    expect(ragPrompt([], 'Who is a smith?')).to.equal('Question: Who is a smith?');
  });

  it('keeps the best-ranked chunks that fit, counted in characters here', () => {
    // 'Question: Who?' = 14; + 'Document: Tafa is a smith.\n' = 27 → 41; + 'Document: Punar lives in Fofum.\n' = 32 → 73
    const chars = (s: string) => s.length;
    expect(fitPrompt(ranked, 'Who?', chars, 72).used.map((c) => c.id)).to.deep.equal(['a/1']);
    expect(fitPrompt(ranked, 'Who?', chars, 73).used.map((c) => c.id)).to.deep.equal(['a/1', 'b/1']);
    const none = fitPrompt(ranked, 'Who?', chars, 40);
    expect(none).to.deep.equal({ prompt: 'Question: Who?', used: [] });
    expect(fitPrompt(ranked, 'Who?', chars, 73).prompt.length).to.equal(73);
  });

  it('fails when the question alone is over the budget', () => {
    expect(() => fitPrompt(ranked, 'Who?', (s) => s.length, 10)).to.throw(GptLabError, /14 tokens, over the budget of 10/);
  });
});
