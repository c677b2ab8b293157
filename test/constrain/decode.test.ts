// Constrained decoding through the decoder's row hook, on a tiny random model (which never learned
// JSON): every reply validates against the schema by ajv, unconstrained replies do not, and the template
// text is forced (fewer forward passes than tokens).

import { expect } from 'chai';
import Ajv from 'ajv';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { GPT, makeConfig } from '../../src/model';
import { continueBatch, newDecodeStats } from '../../src/sample';
import { ObjectSchema, buildTokenIndex, constrainedControl, schemaPattern, vocabStrings } from '../../src/constrain';

const tok = charTokenizer();
const schema: ObjectSchema = {
  type: 'object',
  properties: { n: { type: 'integer' }, ok: { type: 'boolean' }, town: { enum: ['Dusem', 'Tamor'] } },
  required: ['n', 'ok', 'town'],
  additionalProperties: false,
};

describe('constrained decoding in the decoder', () => {
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 96, seed: 3 }));
  });
  after(() => model.dispose());

  it('every sampled reply validates (ajv); unconstrained ones do not; the template is forced', () => {
    const eos = tok.special('<|assistant_end|>');
    const ix = buildTokenIndex(schemaPattern(schema), vocabStrings(tok), { eosId: eos });
    const validate = new Ajv().compile(schema);
    const prompts = Array.from({ length: 8 }, (_, i) => tok.encode(`p${i}`));
    const stats = newDecodeStats();
    const rows = continueBatch(model, prompts, { stop: [eos], maxTokens: 93, temperature: 1, seed: 4, control: constrainedControl(ix), stats });
    for (const r of rows) {
      expect(r.stopped, tok.decode(r.ids)).to.equal(true);
      const text = tok.decode(r.ids.slice(0, -1));
      expect(validate(JSON.parse(text)), text).to.equal(true);
      // '{"n": ' is template text: forced, never sampled
      expect(r.forced.slice(0, 6)).to.deep.equal([true, true, true, true, true, true]);
    }
    expect(stats.forced).to.be.greaterThan(stats.sampled);
    const free = continueBatch(model, prompts, { stop: [eos], maxTokens: 60, temperature: 1, seed: 4 });
    const valid = free.filter((r) => { try { return validate(JSON.parse(tok.decode(r.ids.slice(0, -1)))) === true; } catch { return false; } });
    expect(valid.length).to.equal(0);
  });

  it('leaks no tensors', () => {
    const ix = buildTokenIndex('ab(c|d)+', vocabStrings(tok));
    const before = tf.memory().numTensors;
    continueBatch(model, [tok.encode('x')], { stop: [], maxTokens: 6, control: constrainedControl(ix) });
    expect(tf.memory().numTensors).to.equal(before);
  });
});
