// The templates of notebook 09 on a tiny random model with the char tokenizer: held-out sums are held
// out, every json reply validates (ajv), every answer-first reply is '#### N', and forcing saves passes
// exactly where template text was forced.

import { expect } from 'chai';
import Ajv from 'ajv';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { GPT, makeConfig } from '../../src/model';
import { ANSWER_SCHEMA, heldOutSums, measureConstrained } from '../../src/constrain';

const tok = charTokenizer();

describe('constrained templates measured', () => {
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 64, seed: 21 }));
  });
  after(() => model.dispose());

  it('draws held-out 2-digit sums none of which is excluded', () => {
    const all = heldOutSums(30, new Set());
    const held = heldOutSums(30, new Set(all.slice(0, 10).map((e) => e.question)));
    expect(held.length).to.equal(30);
    for (const e of held) {
      expect(all.slice(0, 10).map((x) => x.question)).not.to.include(e.question);
      expect(e.question).to.match(/^What is \d{2}\+\d{2}\?$/);
    }
  });

  it('keeps json replies valid (ajv) and answer-first replies to #### N, with fewer passes than tokens', () => {
    const rows = measureConstrained(model, tok, heldOutSums(4, new Set()), undefined, { maxTokens: 40 });
    const validate = new Ajv().compile(ANSWER_SCHEMA);
    for (const r of rows.filter((x) => x.mode === 'json')) {
      expect(r.passes).to.be.lessThan(r.tokens);
      // a random model may write digits until maxTokens: then the reply is a prefix of a valid one
      if (!r.stopped) expect(r.reply).to.match(/^\{"answer": -?\d*$/);
      else {
        expect(validate(JSON.parse(r.reply)), r.reply).to.equal(true);
        expect(r.correct).to.equal(JSON.parse(r.reply).answer === r.expected);
      }
    }
    for (const r of rows.filter((x) => x.mode === 'answer-first')) expect(r.reply).to.match(r.stopped ? /^#### (0|[1-9][0-9]*)$/ : /^#### \d*$/);
    for (const r of rows.filter((x) => x.mode === 'free')) {
      expect(r.forced).to.equal(0);
      expect(r.passes).to.equal(r.tokens);
    }
  });
});
