// The templates of notebook 09 on a tiny random model with the char tokenizer: held-out sums are held
// out, every json reply validates (ajv), every answer-first reply is '#### N', and forcing saves passes
// exactly where template text was forced.

import { expect } from 'chai';
import Ajv from 'ajv';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { GPT, makeConfig } from '../../src/model';
import { ANSWER_SCHEMA, compileDfa, dfaMatches, heldOutSums, measureConstrained, schemaPattern, upToPattern } from '../../src/constrain';

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
      // the answer is bounded (0..999), so even a random model's reply ends
      expect(r.stopped, r.reply).to.equal(true);
      expect(validate(JSON.parse(r.reply)), r.reply).to.equal(true);
      expect(r.correct).to.equal(JSON.parse(r.reply).answer === r.expected);
    }
    for (const r of rows.filter((x) => x.mode === 'answer-first')) expect(r.reply).to.match(/^#### (0|[1-9][0-9]{0,2})$/);
    for (const r of rows.filter((x) => x.mode === 'free')) {
      expect(r.forced).to.equal(0);
      expect(r.passes).to.equal(r.tokens);
    }
  });

  it('bounds integers to 0..maximum exactly (brute force against numbers, and against ajv)', () => {
    for (const max of [0, 5, 9, 10, 42, 99, 100, 305, 999, 1000, 1234]) {
      const dfa = compileDfa(upToPattern(max));
      for (let k = -3; k <= 1300; k++) expect(dfaMatches(dfa, String(k)), `${k} <= ${max}`).to.equal(k >= 0 && k <= max);
      for (const bad of ['00', '01', '042', '', '-0']) expect(dfaMatches(dfa, bad), bad).to.equal(false);
    }
    const schema = { type: 'object' as const, properties: { n: { type: 'integer' as const, minimum: 0, maximum: 250 } }, required: ['n'], additionalProperties: false as const };
    const dfa = compileDfa(schemaPattern(schema));
    const validate = new Ajv().compile(schema);
    for (let k = -2; k <= 300; k++) {
      const text = `{"n": ${k}}`;
      expect(dfaMatches(dfa, text), text).to.equal(validate(JSON.parse(text)) === true);
    }
    expect(() => schemaPattern({ type: 'object', properties: { n: { type: 'integer', maximum: 5 } }, required: ['n'] })).to.throw(/minimum 0/);
  });
});
