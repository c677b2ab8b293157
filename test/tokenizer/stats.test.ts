import { expect } from 'chai';
import { getEncoding } from '../../src/tokenizer/pretrained';
import { bytesPerToken, countWords, longestTokens, measure, truncateVocab } from '../../src/tokenizer/stats';
import { train } from '../../src/tokenizer/tokenizer';
import { GptLabError } from '../../src/util/assert';
import { shakespeareText } from '../helpers/shakespeare';

describe('tokenizer/stats', () => {
  it('counts words by Unicode word boundaries, not by spaces', () => {
    expect(countWords('')).to.equal(0);
    expect(countWords("Don't stop, 3.14 times.")).to.equal(4);
    expect(countWords('def f(x):\n    return x + 1')).to.equal(6); // def f x return x 1
    expect(countWords('  \n\n  ')).to.equal(0);
    expect(countWords('你好世界')).to.be.greaterThan(1); // no spaces, still several words
  });

  it('counts a long text quickly (it segments line by line)', async function () {
    const text = await shakespeareText(this);
    const t0 = Date.now();
    const n = countWords(text);
    expect(Date.now() - t0).to.be.lessThan(10_000);
    expect(n).to.be.within(190_000, 215_000); // about 202k whitespace-separated words
  });

  it('measures tokens, bytes and words: cl100k on "hello world" and on "héllo"', () => {
    expect(measure(getEncoding('cl100k_base'), 'hello world')).to.deep.equal({ tokens: 2, bytes: 11, words: 2, bytesPerToken: 5.5, wordsPerToken: 1 });
    expect(measure(getEncoding('cl100k_base'), 'héllo')).to.deep.equal({ tokens: 3, bytes: 6, words: 1, bytesPerToken: 2, wordsPerToken: 1 / 3 });
  });

  it('gives bytes per token alone, as measure does', () => {
    expect(bytesPerToken(getEncoding('cl100k_base'), 'hello world')).to.equal(5.5);
    expect(bytesPerToken(getEncoding('r50k_base'), '你好')).to.equal(6 / 4);
  });

  it('counts special-token names as ordinary text', () => {
    expect(measure(getEncoding('r50k_base'), '<|endoftext|>').tokens).to.be.greaterThan(1);
  });

  it('truncates a trained tokenizer to what training to the smaller size gives', () => {
    const text = 'the cat sat on the mat; the rat sat on the hat. '.repeat(20) + 'hello world, hello there';
    const big = train(text, { vocabSize: 300 });
    const small = train(text, { vocabSize: 280 });
    const cut = truncateVocab(big, 280);
    expect(cut.merges).to.deep.equal(small.merges);
    expect([...cut.specialTokens]).to.deep.equal([['<|endoftext|>', 280]]);
    expect(cut.encode('the cat, the hat')).to.deep.equal(small.encode('the cat, the hat'));
    expect(truncateVocab(big, 256).encode('ab')).to.deep.equal([97, 98]);
  });

  it('rejects a size outside 256..trained size, and tokenizers without merges', () => {
    const tok = train('aaaa bbbb', { vocabSize: 260 });
    expect(() => truncateVocab(tok, 255)).to.throw(GptLabError, /from 256 to/);
    expect(() => truncateVocab(tok, 300)).to.throw(GptLabError, /\(300\) must be an integer from 256 to \d+/);
    expect(() => truncateVocab(getEncoding('r50k_base'), 1000)).to.throw(GptLabError, /rule 'ranks'/);
  });

  it('lists the longest tokens, longest first', () => {
    expect(longestTokens(train('aaaa', { vocabSize: 258, pattern: 'none' }), 3)).to.deep.equal([257, 256, 0]);
    const gpt2 = getEncoding('r50k_base');
    const top = longestTokens(gpt2, 5).map((id) => gpt2.tokenBytes(id).length);
    expect(top).to.deep.equal([...top].sort((a, b) => b - a));
    expect(top[0]).to.be.greaterThan(60); // GPT-2 has runs of 64+ dashes and the like as single tokens
  });
});
