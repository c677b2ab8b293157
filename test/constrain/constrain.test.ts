// Constrained decoding: the DFA against JavaScript's own RegExp on every short string; the token mask
// by brute force (never allows a token no valid output continues, never forbids one some valid output
// continues); forced runs against every valid completion; JSON-schema outputs checked by ajv.

import { expect } from 'chai';
import Ajv from 'ajv';
import {
  ObjectSchema, advance, buildTokenIndex, compileDfa, dfaMatches, dfaWalk, forcedText, forcedTokens, formatObject,
  isComplete, maskLogits, parseRegex, schemaPattern, vocabStrings,
} from '../../src/constrain';
import { charTokenizer, PRINTABLE_ASCII } from '../../src/data/char-tokenizer';
import { Rng } from '../../src/data/rng';
import { GptLabError } from '../../src/util/assert';

const ALPHABET = ['a', 'b', 'c', '1'];

/** Every string over the alphabet of length 0..n. */
function allStrings(n: number): string[] {
  const out = [''];
  let layer = [''];
  for (let len = 1; len <= n; len++) {
    layer = layer.flatMap((s) => ALPHABET.map((c) => s + c));
    out.push(...layer);
  }
  return out;
}

// Patterns whose every completable prefix completes within 3 more characters (the brute force's reach).
const PATTERNS = [
  'a(b|c)*', '(ab|c)+a?', 'a{2,3}b?', '[ab]c*|ca', '(a|bc)*1', 'a?b?c?', '[^a]b+', '(a|b){1,2}c{0,1}',
  '\\d+|[a-b]{2}', '.1', 'ab(c|1)', '(?:a|)(b|1c)', 'a{2}', 'c{1,}1', '[\\w]{0,2}',
];

describe('regex → DFA', () => {
  it('accepts exactly what JavaScript RegExp accepts, on every string up to length 6', () => {
    const strings = allStrings(6);
    for (const p of PATTERNS) {
      const dfa = compileDfa(p);
      const oracle = new RegExp(`^(?:${p})$`);
      for (const s of strings) expect(dfaMatches(dfa, s), `${p} on '${s}'`).to.equal(oracle.test(s));
    }
  });

  it('handles classes, escapes and counts beyond the small alphabet', () => {
    const cases: [string, string[], string[]][] = [
      ['[^"\\\\]{0,3}', ['', 'xyz', 'é', '\n'], ['"', 'ab\\', 'abcd']],
      ['\\x41\\u0042\\.', ['AB.'], ['ABx']],
      ['[a-c-]+', ['a-c', '-'], ['d']],
      ['\\{"k": (true|false)\\}', ['{"k": true}'], ['{"k":true}']],
      ['\\s\\S\\W', [' x!'], ['xx!']],
    ];
    for (const [p, yes, no] of cases) {
      const dfa = compileDfa(p);
      const oracle = new RegExp(`^(?:${p})$`);
      for (const s of [...yes, ...no]) expect(dfaMatches(dfa, s), `${p} on ${JSON.stringify(s)}`).to.equal(oracle.test(s));
      for (const s of yes) expect(oracle.test(s), `oracle ${p} on ${JSON.stringify(s)}`).to.equal(true);
      for (const s of no) expect(oracle.test(s), `oracle ${p} on ${JSON.stringify(s)}`).to.equal(false);
    }
  });

  it('rejects anchors, lazy quantifiers, unclosed groups and empty languages, naming the problem', () => {
    expect(() => parseRegex('^ab')).to.throw(GptLabError, /anchor '\^'/);
    expect(() => parseRegex('a{2}?')).to.throw(GptLabError, /stacked or lazy/);
    expect(() => parseRegex('(ab')).to.throw(GptLabError, /unclosed group/);
    expect(() => parseRegex('[z-a]')).to.throw(GptLabError, /out of order/);
    expect(() => parseRegex('*a')).to.throw(GptLabError, /nothing to repeat/);
    expect(() => compileDfa('[^\\x00-\\uffff]')).to.throw(GptLabError, /matches no string/);
  });

  it('keeps only states that can still reach acceptance', () => {
    const dfa = compileDfa('ab|ac');
    expect(dfaWalk(dfa, 0, 'a')).to.not.equal(-1);
    expect(dfaWalk(dfa, 0, 'ad')).to.equal(-1);
    expect(dfaWalk(dfa, 0, 'b')).to.equal(-1);
  });
});

describe('token index: the mask against brute force', () => {
  // A BPE-like vocabulary: single characters, merges, one character outside the alphabet, an empty
  // string (a special that decodes to nothing) and the end token.
  const VOCAB = ['a', 'b', 'c', '1', 'ab', 'bc', 'ca', 'abc', '11', 'a1', 'z', '', '<eos>'];
  const EOS = VOCAB.length - 1;
  const completions = allStrings(3);

  it('allows a token exactly when some valid output continues with it (every pattern, every prefix up to 4)', () => {
    let checked = 0;
    for (const p of PATTERNS) {
      const oracle = new RegExp(`^(?:${p})$`);
      const completable = (text: string) => completions.some((c) => oracle.test(text + c));
      const ix = buildTokenIndex(p, VOCAB, { eosId: EOS });
      for (const prefix of allStrings(4)) {
        const state = dfaWalk(ix.dfa, 0, prefix);
        expect(state !== -1, `${p}: state after '${prefix}'`).to.equal(completable(prefix));
        if (state === -1) continue;
        for (let t = 0; t < VOCAB.length; t++) {
          const valid = t === EOS ? oracle.test(prefix) : VOCAB[t] !== '' && completable(prefix + VOCAB[t]);
          expect(ix.mask[state][t] === 1, `${p}: after '${prefix}', token '${VOCAB[t]}'`).to.equal(valid);
          checked++;
        }
      }
    }
    expect(checked).to.be.greaterThan(2000); // (prefix, token) pairs with a live prefix
  });

  it('forces only text that every valid completion starts with', () => {
    for (const p of PATTERNS) {
      const oracle = new RegExp(`^(?:${p})$`);
      const ix = buildTokenIndex(p, VOCAB, { eosId: EOS });
      for (const prefix of allStrings(3)) {
        const state = dfaWalk(ix.dfa, 0, prefix);
        if (state === -1) continue;
        const { text } = forcedText(ix.dfa, state);
        const forced = forcedTokens(ix, state);
        const spelled = forced.ids.map((t) => VOCAB[t]).join('');
        for (const c of allStrings(4)) {
          if (!oracle.test(prefix + c)) continue;
          expect(c.startsWith(text), `${p}: '${prefix}' + '${c}' vs forced text '${text}'`).to.equal(true);
          expect(c.startsWith(spelled), `${p}: '${prefix}' + '${c}' vs forced tokens '${spelled}'`).to.equal(true);
        }
        expect(forced.state).to.equal(dfaWalk(ix.dfa, state, spelled));
      }
    }
  });

  it('spells template text with the longest tokens and leaves the choice to the model', () => {
    const vocab = ['{', '{"', 'a', '"', ':', ' ', '1', '2', '}', '": '];
    const ix = buildTokenIndex('\\{"a": (1|2)\\}', vocab);
    const f = forcedTokens(ix, 0);
    expect(f.ids).to.deep.equal([1, 2, 9]); // '{"' 'a' '": ': three tokens without a forward pass
    expect([...ix.allowed[f.state]]).to.deep.equal([6, 7]); // the model picks the digit
    const after = advance(ix, f.state, 7);
    expect(forcedTokens(ix, after).ids).to.deep.equal([8]);
  });

  it('masks logits in place and refuses a token that is not allowed', () => {
    const ix = buildTokenIndex('(ab|c)+', ['a', 'b', 'c', 'ab', '<eos>'], { eosId: 4 });
    expect([...ix.allowed[0]]).to.deep.equal([0, 2, 3]);
    expect([...maskLogits(ix, 0, Float32Array.of(1, 2, 3, 4, 5))]).to.deep.equal([1, -Infinity, 3, 4, -Infinity]);
    const s = advance(ix, 0, 2);
    expect(isComplete(ix, s)).to.equal(true);
    expect(ix.mask[s][4]).to.equal(1);
    expect(() => advance(ix, 0, 1)).to.throw(GptLabError, /token 1 \('b'\) is not allowed in state 0/);
  });

  it('never allows the char tokenizer\'s special tokens, even where their names would match', () => {
    const tok = charTokenizer();
    const vocab = vocabStrings(tok);
    const ix = buildTokenIndex('.*', vocab);
    for (const name of tok.specials) expect(ix.mask[0][tok.special(name)], name).to.equal(0);
    expect(ix.allowed[0].length).to.equal(PRINTABLE_ASCII.length - 1); // every printable character but '\n'
  });
});

describe('JSON schema → pattern', () => {
  const schema: ObjectSchema = {
    type: 'object',
    properties: {
      name: { type: 'string', maxLength: 6 },
      age: { type: 'integer' },
      ok: { type: 'boolean' },
      color: { enum: ['red', 'green', 7] },
    },
    required: ['name', 'age', 'ok', 'color'],
    additionalProperties: false,
  };
  const ajv = new Ajv();
  const validate = ajv.compile(schema);

  it('compiles to the pattern written by hand', () => {
    expect(schemaPattern({ type: 'object', properties: { n: { type: 'integer' }, b: { type: 'boolean' } }, required: ['n', 'b'] }))
      .to.equal('\\{"n": -?(?:0|[1-9][0-9]*), "b": (?:true|false)\\}');
  });

  it('accepts valid objects and rejects invalid ones, as ajv does', () => {
    const dfa = compileDfa(schemaPattern(schema));
    const texts = [
      formatObject({ name: 'Ann', age: 31, ok: true, color: 'red' }),
      formatObject({ name: 'a"\\b', age: -4, ok: false, color: 7 }),
      formatObject({ name: '', age: 0, ok: false, color: 'green' }),
      formatObject({ name: 'Ann', age: 31, ok: true, color: 'blue' }), // not in the enum
      formatObject({ name: 'Ann', age: 3.5, ok: true, color: 'red' }), // not an integer
      formatObject({ name: 'Annabelle', age: 3, ok: true, color: 'red' }), // too long
      formatObject({ name: 'Ann', age: 3, ok: 'yes', color: 'red' } as never), // not a boolean
      '{"name": "Ann", "ok": true, "color": "red"}', // missing age
    ];
    for (const t of texts) expect(dfaMatches(dfa, t), t).to.equal(validate(JSON.parse(t)) as boolean);
  });

  it('yields only outputs ajv validates, from random choices over a char + merges vocabulary', () => {
    const tok = charTokenizer();
    const vocab = [...vocabStrings(tok), '{"', '": ', ', "', 'true', 'false', 'na', 'me', 'red', '"}', '<eos>'];
    const eosId = vocab.length - 1;
    const ix = buildTokenIndex(schemaPattern(schema), vocab, { eosId });
    const rng = new Rng(7);
    let forcedSaved = 0;
    for (let run = 0; run < 200; run++) {
      let state = 0;
      const ids: number[] = [];
      for (let step = 0; step < 500; step++) {
        const f = forcedTokens(ix, state);
        ids.push(...f.ids);
        forcedSaved += f.ids.length;
        state = f.state;
        const allowed = ix.allowed[state];
        // a stand-in model: uniform over the allowed tokens, ending as soon as it may half of the time
        const t = isComplete(ix, state) && rng.next() < 0.5 ? eosId : allowed[rng.int(0, allowed.length)];
        if (t === eosId) break;
        state = advance(ix, state, t);
        ids.push(t);
      }
      expect(isComplete(ix, state), `run ${run} did not finish`).to.equal(true);
      const text = ids.map((t) => vocab[t]).join('');
      expect(validate(JSON.parse(text)), text).to.equal(true);
    }
    expect(forcedSaved).to.be.greaterThan(200 * 4); // at least '{"' 'na' 'me' '": ' per run
  });

  it('refuses schemas outside the subset, naming the fix', () => {
    expect(() => schemaPattern({ type: 'object', properties: { a: { type: 'integer' } }, required: [] }))
      .to.throw(GptLabError, /must list every property/);
    expect(() => schemaPattern({ type: 'object', properties: { a: { type: 'number' } as never }, required: ['a'] }))
      .to.throw(GptLabError, /not supported/);
  });
});
