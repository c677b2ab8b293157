// The chat models' context is 256 tokens (issue 12): the longest prompt + reply of every task kind,
// rendered with the chat tokenizer, must fit. Each kind is checked on its worst case built by hand
// (the most digits, every column carrying; the three longest documents with the longest question)
// and on a sample of the task's own examples.

import { expect } from 'chai';
import { chatTokens } from '../../src/data/char-tokenizer';
import { renderConversation } from '../../src/data/conversation';
import { arithmeticExample, arithmeticTask } from '../../src/data/world/arithmetic';
import { calculatorExample, calculatorTask } from '../../src/data/world/calculator';
import { documentStore } from '../../src/data/world/documents';
import { preferenceTask } from '../../src/data/world/labeler';
import { openBookTask, renderOpenBook } from '../../src/data/world/open-book';
import { factPool, factsTask, retrievalTask } from '../../src/data/world/questions';
import { referenceAnswer, take } from '../../src/data/world/task';
import { makeWorld } from '../../src/data/world/world';
import { CHAT_VOCAB_SIZE, trainChatTokenizer, worldTokenizerTexts } from '../../src/tokenizer/chat';

const CONTEXT = 256;

describe('tokenizer/chat: every task kind fits in 256 tokens', function () {
  this.timeout(60_000);
  const world = makeWorld();
  const tok = trainChatTokenizer(worldTokenizerTexts(world), CHAT_VOCAB_SIZE);
  const chat = chatTokens(tok);
  const longest = (convs: Parameters<typeof renderConversation>[0][]) => Math.max(...convs.map((c) => renderConversation(c, chat).ids.length));
  const N = 400;

  it('worked 3- and 4-digit sums and products (999+999, 9999+9999 carry in every column)', () => {
    const worst = [arithmeticExample(999, '+', 999), arithmeticExample(9999, '+', 9999), arithmeticExample(9999, '*', 9)];
    const sampled = [3, 4].flatMap((digits) => take(arithmeticTask({ size: N, seed: 5, digits }), N));
    const n = longest([...worst, ...sampled].map((e) => e.conversation));
    expect(n).to.equal(longest(worst.slice(1, 2).map((e) => e.conversation))); // 9999+9999 is the longest
    expect(n).to.be.at.most(CONTEXT);
  });

  it('a question with three passages, framed by the passage tokens (the three longest documents)', () => {
    const docs = documentStore(world).map((d) => ({ d, n: tok.encode(d.text).length })).sort((a, b) => b.n - a.n).map((x) => x.d);
    const heldOut = factPool(world, true, 'all');
    const question = heldOut.map((f) => f.question).sort((a, b) => tok.encode(b).length - tok.encode(a).length)[0];
    const reply = heldOut.map((f) => f.sentence).sort((a, b) => tok.encode(b).length - tok.encode(a).length)[0];
    const worst = renderOpenBook(tok, docs.slice(0, 3), question, reply).ids.length;
    const sampled = take(openBookTask(world, { size: N, seed: 5 }, 3), N).map((e) => {
      const r = renderOpenBook(tok, e.passages, e.question, referenceAnswer(e));
      expect(r.mask.filter((m) => m === 1).length).to.be.greaterThan(1);
      return r.ids.length;
    });
    expect(Math.max(...sampled)).to.be.at.most(worst);
    expect(worst).to.be.at.most(CONTEXT);
    // the text form (retrievalTask with two distractors: 'Document: ...' lines) fits too
    expect(longest(take(retrievalTask(world, { size: N, seed: 5, distractors: 2 }), N).map((e) => e.conversation))).to.be.at.most(CONTEXT);
  });

  it('renders passages between the passage tokens, the mask on the reply', () => {
    const [a, b] = documentStore(world);
    const r = renderOpenBook(tok, [a, b], 'Where is Dusem?', 'Dusem is in the north.');
    expect(tok.decode(r.ids)).to.equal(`<|bos|><|user_start|><|passage_start|>${a.text}<|passage_end|><|passage_start|>${b.text}` +
      '<|passage_end|>Question: Where is Dusem?<|user_end|><|assistant_start|>Dusem is in the north.<|assistant_end|>');
    const trained = r.ids.filter((_, i) => r.mask[i] === 1);
    expect(tok.decode(trained)).to.equal('Dusem is in the north.<|assistant_end|>');
    const prompt = renderOpenBook(tok, [a], 'Where is Dusem?');
    expect(prompt.ids[prompt.ids.length - 1]).to.equal(tok.special('<|assistant_start|>'));
    expect(prompt.mask.every((m) => m === 0)).to.equal(true);
  });

  it('a calculator call with its result (the longest operands of each expression shape)', () => {
    const worst = ['9999*999', '999*99+9999', '(999+999)*99'].map((x) => calculatorExample(x));
    const n = longest([...worst, ...take(calculatorTask({ size: N, seed: 5 }), N)].map((e) => e.conversation));
    expect(n).to.be.at.most(CONTEXT);
  });

  it('closed-book facts, and the labeler\'s replies (the padded ones are the longest)', () => {
    expect(longest(take(factsTask(world, { size: N, seed: 5 }), N).map((e) => e.conversation))).to.be.at.most(CONTEXT);
    const prefs = take(preferenceTask(world, { size: N, seed: 5 }), N);
    const n = longest(prefs.flatMap((p) => p.replies.map((r) => ({ messages: [...p.prompt.messages, { role: 'assistant' as const, parts: [{ kind: 'text' as const, text: r }] }] }))));
    expect(n).to.be.at.most(CONTEXT);
  });
});
