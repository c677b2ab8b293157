import { expect } from 'chai';
import { ORIGINAL_PATTERNS, PATTERN_NAMES, SPLIT_FLAGS, SPLIT_PATTERNS, isPatternName, splitText } from '../../src/tokenizer/patterns';
import { randomText, seeded } from './helpers';

describe('tokenizer/patterns', () => {
  it('splits as the doc comment says', () => {
    expect(splitText("Hello world's  123456!!", 'gpt4')).to.deep.equal(['Hello', ' world', "'s", ' ', ' ', '123', '456', '!!']);
    expect(splitText('Hello world', 'none')).to.deep.equal(['Hello world']);
    expect(splitText('', 'gpt4')).to.deep.equal([]);
  });

  it('keeps GPT-2 numbers whole and GPT-4 numbers in threes', () => {
    expect(splitText('year 20240101', 'gpt2')).to.deep.equal(['year', ' 20240101']);
    expect(splitText('year 20240101', 'gpt4')).to.deep.equal(['year', ' ', '202', '401', '01']);
  });

  it('makes GPT-4 contractions case-insensitive, and GPT-2 ones not', () => {
    expect(splitText("I'LL", 'gpt4')).to.deep.equal(['I', "'LL"]);
    expect(splitText("I'LL", 'gpt2')).to.deep.equal(['I', "'", 'LL']);
  });

  it('treats long s (U+017F) as a case of s, as Rust case folding does', () => {
    expect(splitText("t'ſ'ds", 'o200k')).to.deep.equal(["t'ſ", "'ds"]);
    expect(splitText("x'ſſ", 'gpt4')).to.deep.equal(['x', "'ſ", 'ſ']);
  });

  it('splits o200k words at case changes and attaches contractions', () => {
    expect(splitText("getHTTPResponse don't", 'o200k')).to.deep.equal(['get', 'HTTPResponse', " don't"]);
    expect(splitText('XMLHttpRequest', 'o200k')).to.deep.equal(['XMLHttp', 'Request']);
  });

  it('uses Unicode White_Space for \\s: U+0085 is whitespace, U+FEFF is not', () => {
    // JavaScript's \s would make ' \u0085' one punctuation chunk.
    expect(splitText('a \u0085b', 'gpt4')).to.deep.equal(['a', ' ', '\u0085b']);
    expect(splitText('\uFEFF!', 'gpt4')).to.deep.equal(['\uFEFF!']);
  });

  it('keeps newlines apart in GPT-4 and o200k', () => {
    expect(splitText('a.\n\n  b', 'gpt4')).to.deep.equal(['a', '.\n\n', ' ', ' b']);
    expect(splitText('x  \n y', 'gpt4')).to.deep.equal(['x', '  \n', ' y']);
  });

  it('chunks always join back to the text, for every pattern', () => {
    const rand = seeded(11);
    for (let i = 0; i < 500; i++) {
      const s = randomText(rand, 25);
      for (const name of PATTERN_NAMES) expect(splitText(s, name).join('')).to.equal(s);
    }
  });

  it('emulates possessive quantifiers exactly: same splits as plain greedy ones in GPT-4', () => {
    // In GPT-4's pattern the possessive classes never overlap what follows, so both must agree.
    // `(?=(x))\N` back to `x`: a character class holds no parentheses, so `[^()]*` finds x whole.
    const plain = new RegExp(SPLIT_PATTERNS.gpt4.replace(/\(\?=\(([^()]*)\)\)\\\d/g, '$1'), `g${SPLIT_FLAGS}`);
    expect(plain.source).to.not.include('(?=').and.not.match(/\\\d/);
    const rand = seeded(12);
    for (let i = 0; i < 500; i++) {
      const s = randomText(rand, 25);
      expect(splitText(s, 'gpt4')).to.deep.equal(Array.from(s.matchAll(plain), (m) => m[0]));
    }
  });

  it('shows the original patterns and checks names', () => {
    expect(ORIGINAL_PATTERNS.gpt4).to.include('?+');
    expect(isPatternName('gpt4')).to.equal(true);
    expect(isPatternName('gpt3')).to.equal(false);
  });
});
