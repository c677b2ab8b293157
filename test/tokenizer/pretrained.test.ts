import { expect } from 'chai';
import { ENCODING_NAMES, getEncoding, parseCompactRanks } from '../../src/tokenizer/pretrained';
import { GptLabError } from '../../src/util/assert';
import { jsTiktoken, plain, randomText, seeded, wasmTiktoken } from './helpers';
import { shakespeareText } from '../helpers/shakespeare';

/** Text a tokenizer must get right: code, scripts, emoji, numbers, whitespace, contractions. */
const MIXED: string[] = [
  'hello world',
  'import numpy as np\n\ndef f(x):\n    return np.sum(x ** 2)  # squares\n\tif x>=0: pass\n',
  'const re = /[a-z]+/gu; let s = `${a}${b}`; // <div class="x">&amp;</div>',
  'Ünïcödé façade naïve Straße İstanbul ıi ǅemal',
  '日本語のテキスト。中文句子，还有标点！한국어 문장입니다.',
  'Русский текст, Ελληνικά, עברית, العربية, हिन्दी, ไทย, ქართული',
  '😀😃😄 👍🏽👍🏿 👨‍👩‍👧‍👦 🇫🇷🇯🇵 ❤️‍🔥 🤖',
  '12345678901234567890 3.14159265358979 1,000,000 0xDEADBEEF 1e-10 ٣٤٥ ²³',
  '    four spaces\n\n\n\nnewlines\r\n\r\ntabs\t\t\tend   \n   \u00a0\u3000 ',
  "I'm you're we've they'll she'd it's DON'T I'M WE'LL Y'ALL o'clock rock'n'roll",
  'CamelCase getHTTPResponse XMLHttpRequest iPhone McDonald ABCdef abcDEF',
  '!!!??? ... --- *** ### @user #tag $100 50% a&b a|b',
  '<|endoftext|> is a special token, and so is <|fim_prefix|> in cl100k',
  '',
  ' ',
  'a',
];

/** The encodings and the tiktoken names they have in the reference libraries. */
const NAMES = ['r50k_base', 'p50k_base', 'cl100k_base', 'o200k_base'];

describe('tokenizer/pretrained (OpenAI encodings)', function () {
  this.timeout(120_000);

  it('lists the known encodings when the name is unknown', () => {
    expect(() => getEncoding('gpt5_base')).to.throw(GptLabError, /unknown encoding 'gpt5_base'; known encodings: r50k_base, p50k_base, cl100k_base, o200k_base/);
    expect(ENCODING_NAMES).to.deep.equal(NAMES);
  });

  it('encodes hello world with the well-known ids', () => {
    expect(getEncoding('r50k_base').encode('hello world')).to.deep.equal([31373, 995]);
    expect(getEncoding('cl100k_base').encode('hello world')).to.deep.equal([15339, 1917]);
    expect(getEncoding('o200k_base').encode('hello world')).to.deep.equal([24912, 2375]);
  });

  it('has the special tokens of the reference data', () => {
    for (const name of NAMES) {
      const data = require(`js-tiktoken/ranks/${name}`) as { special_tokens: Record<string, number> };
      expect(Object.fromEntries(getEncoding(name).specialTokens), name).to.deep.equal(data.special_tokens);
    }
  });

  for (const name of NAMES) {
    it(`gives js-tiktoken's and tiktoken's ids on the mixed set: ${name}`, () => {
      const ours = getEncoding(name), js = jsTiktoken(name), wasm = wasmTiktoken(name);
      for (const s of MIXED) {
        const expected = plain(wasm.encode(s, 'all'));
        expect(ours.encode(s, { allowedSpecial: 'all' }), JSON.stringify(s)).to.deep.equal(expected);
        expect(plain(js.encode(s, 'all')), `js-tiktoken on ${JSON.stringify(s)}`).to.deep.equal(expected);
        expect(ours.encodeOrdinary(s)).to.deep.equal(plain(wasm.encode(s, [], [])));
      }
    });
  }

  for (const name of ['r50k_base', 'cl100k_base', 'o200k_base']) {
    it(`gives js-tiktoken's ids on the whole of Tiny Shakespeare: ${name}`, async function () {
      const text = await shakespeareText(this);
      const ours = getEncoding(name).encode(text);
      expect(ours.length).to.be.greaterThan(250_000);
      expect(ours).to.deep.equal(plain(jsTiktoken(name).encode(text)));
    });
  }

  for (const name of ['r50k_base', 'cl100k_base', 'o200k_base']) {
    it(`gives tiktoken's ids on 1500 seeded random Unicode strings: ${name}`, () => {
      const ours = getEncoding(name), wasm = wasmTiktoken(name);
      const rand = seeded(1000 + name.length);
      for (let i = 0; i < 1500; i++) {
        const s = randomText(rand, 30);
        expect(ours.encodeOrdinary(s), JSON.stringify(s)).to.deep.equal(plain(wasm.encode(s, [], [])));
      }
    });
  }

  it("follows tiktoken where js-tiktoken's JavaScript regex differs (U+0085, U+FEFF, long s)", () => {
    const cases: [string, string][] = [['cl100k_base', 'a \u0085b'], ['cl100k_base', ' \uFEFF!'], ['o200k_base', "t'ſ'ds"], ['r50k_base', 'a \u0085b']];
    for (const [name, s] of cases) {
      const wasm = plain(wasmTiktoken(name).encode(s, [], []));
      expect(getEncoding(name).encodeOrdinary(s), `${name} ${JSON.stringify(s)}`).to.deep.equal(wasm);
      expect(plain(jsTiktoken(name).encode(s, [], [])), `js-tiktoken differs on ${JSON.stringify(s)}`).to.not.deep.equal(wasm);
    }
  });

  it("matches tiktoken on long chunks (merged with a heap, not tiktoken's quadratic loop)", () => {
    const rand = seeded(4);
    const letters = Array.from({ length: 3000 }, () => 'abcdefghijklmnopqrstuvwxyz'[Math.floor(rand() * 26)]).join('');
    for (const name of ['r50k_base', 'cl100k_base', 'o200k_base']) {
      const wasm = wasmTiktoken(name);
      for (const s of [' '.repeat(10_000), 'a'.repeat(5000), '!@#'.repeat(1000), '\n'.repeat(3000) + 'x', letters, '7'.repeat(999)]) {
        expect(getEncoding(name).encodeOrdinary(s), `${name} ${JSON.stringify(s.slice(0, 8))}…`).to.deep.equal(plain(wasm.encode(s, [], [])));
      }
    }
  });

  it('refuses special-token text by default, as tiktoken does', () => {
    expect(() => getEncoding('cl100k_base').encode('a<|endoftext|>')).to.throw(GptLabError, /<\|endoftext\|>/);
    expect(() => wasmTiktoken('cl100k_base').encode('a<|endoftext|>')).to.throw();
  });

  it("parses js-tiktoken's compact rank format, gaps included", () => {
    const tokens = parseCompactRanks('! 0 IQ== Ig==\n! 3 Iw==', 'demo');
    expect(tokens).to.deep.equal(['!', '"', undefined, '#']);
    expect(() => parseCompactRanks('! 0 IQ==\n! 0 Ig==', 'demo')).to.throw(GptLabError, /demo: line 2 starts at rank '0'/);
    expect(() => parseCompactRanks('! 0 I?==', 'demo')).to.throw(GptLabError, /not base64/);
  });
});
