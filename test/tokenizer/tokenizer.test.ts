import { expect } from 'chai';
import { encodeBasic } from '../../src/tokenizer/base';
import { toWellFormed } from '../../src/tokenizer/bytes';
import { PATTERN_NAMES } from '../../src/tokenizer/patterns';
import { getEncoding } from '../../src/tokenizer/pretrained';
import { Tokenizer, train } from '../../src/tokenizer/tokenizer';
import { GptLabError } from '../../src/util/assert';
import { randomText, seeded } from './helpers';
import { shakespeareText } from '../helpers/shakespeare';

/** A small tokenizer trained on generated text (milliseconds). */
function smallTokenizer(pattern: (typeof PATTERN_NAMES)[number] = 'gpt4'): Tokenizer {
  const rand = seeded(21);
  const text = Array.from({ length: 300 }, () => randomText(rand, 12)).join('\n');
  return train(text, { vocabSize: 512, pattern, specialTokens: ['<|endoftext|>', '<|pad|>'] });
}

const TABLE: [string, string][] = [
  ['empty', ''],
  ['one char', 'a'],
  ['emoji', '😀👍🏽👨‍👩‍👧🇫🇷'],
  ['CJK', '日本語のテキストと中文'],
  ['combining marks', 'e\u0301 a\u0308 \u0301\u0301\u0301'],
  ['whitespace runs', '   \t\t\n\n\r\n  \u00a0\u3000\u2028 x   '],
  ['code', 'function f(x) {\n  return x ** 2; // square\n}\n'],
  ['numbers', '3.14159 1,000,000 12345678901234567890'],
  ['a byte-order mark', '\uFEFFstart'],
];

describe('tokenizer/tokenizer (encode, decode, special tokens)', () => {
  for (const name of ['trained (gpt4)', 'cl100k_base', 'o200k_base']) {
    it(`round-trips the string table: ${name}`, () => {
      const tok = name === 'trained (gpt4)' ? smallTokenizer() : getEncoding(name);
      for (const [label, s] of TABLE) expect(tok.decode(tok.encodeOrdinary(s)), label).to.equal(s);
    });
  }

  it('round-trips a whole file', async function () {
    const text = await shakespeareText(this);
    expect(getEncoding('cl100k_base').decode(getEncoding('cl100k_base').encodeOrdinary(text))).to.equal(text);
  });

  it('decode(encode(s)) === s for 2000 seeded random strings, every pattern', () => {
    const toks = PATTERN_NAMES.map((p) => smallTokenizer(p)).concat([getEncoding('r50k_base'), getEncoding('o200k_base')]);
    const rand = seeded(77);
    for (let i = 0; i < 2000; i++) {
      const s = randomText(rand, 20);
      const tok = toks[i % toks.length];
      expect(tok.decode(tok.encodeOrdinary(s)), JSON.stringify(s)).to.equal(s);
    }
  });

  it('gives lone surrogates back as U+FFFD (they have no UTF-8), like toWellFormed', () => {
    for (const tok of [smallTokenizer(), getEncoding('cl100k_base')]) {
      for (const s of ['a\uD800b', '\uDFFF', '😀\uD83D', 'x\uDE00\uD83Dy']) {
        expect(tok.decode(tok.encodeOrdinary(s))).to.equal(toWellFormed(s));
      }
    }
    // tiktoken replaces them before splitting; the ids agree with encoding U+FFFD itself.
    const cl = getEncoding('cl100k_base');
    expect(cl.encodeOrdinary('a\uD800b')).to.deep.equal(cl.encodeOrdinary('a\uFFFDb'));
  });

  it('encodes like encodeBasic (the slow reference) with no split pattern', () => {
    const tok = smallTokenizer('none');
    const rand = seeded(8);
    for (let i = 0; i < 200; i++) {
      const s = randomText(rand, 15);
      expect(tok.encodeOrdinary(s), JSON.stringify(s)).to.deep.equal(encodeBasic(s, tok.merges!));
    }
  });

  it('gives the same ids whether chunks come from the cache or not', () => {
    const tok = smallTokenizer();
    const rand = seeded(31);
    const texts = Array.from({ length: 50 }, () => randomText(rand, 30));
    const first = texts.map((s) => tok.encodeOrdinary(s));
    expect(texts.map((s) => tok.encodeOrdinary(s))).to.deep.equal(first);
    expect(tok.encodeOrdinary(texts.join(''))).to.have.length.greaterThan(0);
  });

  describe('special tokens (tiktoken rule)', () => {
    const tok = smallTokenizer();
    const eot = tok.specialTokens.get('<|endoftext|>')!;
    const pad = tok.specialTokens.get('<|pad|>')!;

    it('refuses special-token text by default, naming the token and the options', () => {
      expect(() => tok.encode('hi <|pad|>')).to.throw(GptLabError, /'<\|pad\|>' at index 3.*allowedSpecial.*disallowedSpecial/);
    });

    it("encodes allowed ones as their id ('all' or a set)", () => {
      const hi = tok.encodeOrdinary('hi ');
      expect(tok.encode('hi <|endoftext|>', { allowedSpecial: 'all' })).to.deep.equal([...hi, eot]);
      expect(tok.encode('<|pad|><|endoftext|>', { allowedSpecial: 'all' })).to.deep.equal([pad, eot]);
      expect(tok.encode('hi <|pad|>', { allowedSpecial: new Set(['<|pad|>']) })).to.deep.equal([...hi, pad]);
    });

    it('still refuses the ones not allowed, by default', () => {
      expect(() => tok.encode('<|pad|><|endoftext|>', { allowedSpecial: new Set(['<|pad|>']) })).to.throw(GptLabError, /endoftext/);
    });

    it('encodes them as ordinary text when nothing is disallowed', () => {
      const ids = tok.encode('<|pad|>', { disallowedSpecial: new Set() });
      expect(ids).to.deep.equal(tok.encodeOrdinary('<|pad|>'));
      expect(ids).to.not.include(pad);
      expect(tok.decode(ids)).to.equal('<|pad|>');
    });

    it('rejects unknown names in the sets, listing the real ones', () => {
      expect(() => tok.encode('x', { allowedSpecial: new Set(['<|eot|>']) })).to.throw(GptLabError, /<\|eot\|>.*<\|endoftext\|>, <\|pad\|>/);
    });

    it('handles special tokens with regex characters in their names', () => {
      const odd = train('x-y', { vocabSize: 260, pattern: 'gpt2', specialTokens: ['[fim-mid]', '<a.b*>', '(|)'] });
      const [fim, ab, bar] = ['[fim-mid]', '<a.b*>', '(|)'].map((n) => odd.specialTokens.get(n)!);
      expect(odd.encode('[fim-mid]x<a.b*>(|)', { allowedSpecial: 'all' })).to.deep.equal([fim, 120, ab, bar]);
      expect(() => odd.encode('<a.b*>')).to.throw(GptLabError, /<a\.b\*>/);
      expect(odd.encode('<aXb*>', { allowedSpecial: 'all' })).to.deep.equal(odd.encodeOrdinary('<aXb*>'));
    });

    it('decodes special ids to their text', () => {
      expect(tok.decode([eot, ...tok.encodeOrdinary('x')])).to.equal('<|endoftext|>x');
      expect(tok.vocabSize).to.equal(pad + 1);
    });
  });

  it('decodes bytes that are not valid UTF-8 as U+FFFD, and decodeBytes keeps them', () => {
    const tok = smallTokenizer(); // in a trained tokenizer, ids 0..255 are the bytes themselves
    expect(Array.from(tok.decodeBytes([0xc3]))).to.deep.equal([0xc3]);
    expect(tok.decode([0xc3])).to.equal('\uFFFD'); // the first half of 'é'
    expect(tok.decode([0xc3, 0xa9])).to.equal('é');
    expect(tok.decode([104, 0xff, 105])).to.equal('h\uFFFDi');
    expect(getEncoding('r50k_base').decode([129])).to.equal('\uFFFD'); // r50k token 129 is the lone byte 0xc5
  });

  it('rejects unknown ids, naming the id and the valid range', () => {
    const tok = smallTokenizer();
    expect(() => tok.decode([1, 99999])).to.throw(GptLabError, /token id 99999 .*0\.\.511.*special: 512, 513/);
    expect(() => tok.decode([-1])).to.throw(GptLabError, /token id -1/);
    expect(() => getEncoding('p50k_base').decode([50256 + 0.5])).to.throw(GptLabError);
  });

  it('checks merges and ranks when building a tokenizer', () => {
    expect(() => Tokenizer.fromMerges([[97, 300]], 'none')).to.throw(GptLabError, /merge 0 is \[97, 300\]/);
    expect(() => Tokenizer.fromMerges([[97, 98], [97, 98]], 'none')).to.throw(GptLabError, /merge 1 repeats.*merge 0/);
    const bytes = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
    expect(() => Tokenizer.fromRanks(bytes.slice(1), 'none')).to.throw(GptLabError, /byte 255 .* not a token|byte 0/);
    expect(() => Tokenizer.fromRanks([...bytes, Uint8Array.of(97)], 'none')).to.throw(GptLabError, /tokens 97 and 256 have the same bytes/);
    expect(() => Tokenizer.fromMerges([], 'none', new Map([['<|x|>', 65]]))).to.throw(GptLabError, /id 65.*collides with a learned token/);
    expect(() => Tokenizer.fromMerges([], 'none', new Map([['<|x|>', 300], ['<|y|>', 300]]))).to.throw(GptLabError, /share the id 300/);
  });

  it('builds from ranks with tiktoken rule: a chunk that is one token is that token', () => {
    const bytes: Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
    // 'abc' is a token, but no pair of tokens makes it: tiktoken still encodes 'abc' as one id.
    const tok = Tokenizer.fromRanks([...bytes, Uint8Array.of(97, 98, 99)], 'none');
    expect(tok.encodeOrdinary('abc')).to.deep.equal([256]);
    expect(tok.encodeOrdinary('abcd')).to.deep.equal([97, 98, 99, 100]);
    expect(tok.hasToken(256)).to.equal(true);
    expect(tok.hasToken(257)).to.equal(false);
  });
});
