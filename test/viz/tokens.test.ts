// Token boundaries as colored spans. Every expected id, label and span below is written out by hand
// from the UTF-8 bytes: 你 = E4 BD A0, 好 = E5 A5 BD, 😀 = F0 9F 98 80; GPT-2 (r50k_base) splits each
// of the two characters after its second byte, cl100k splits the emoji after its third.

import { expect } from 'chai';
import { getEncoding } from '../../src/tokenizer/pretrained';
import { Tokenizer } from '../../src/tokenizer/tokenizer';
import { GptLabError } from '../../src/util/assert';
import {
  SPECIAL_TOKEN_COLOR, TOKEN_COLORS, compareTokens, renderTokens, tokenGroups, tokenLabel, tokensHtml, tokensText, visibleChar,
} from '../../src/viz';

const gpt2 = getEncoding('r50k_base');
const cl100k = getEncoding('cl100k_base');
const [C0, C1, C2, C3] = TOKEN_COLORS;
const utf8 = (s: string) => new TextEncoder().encode(s);
/** Each group as [[id, label], ...] plus its joined text, for compact expectations. */
const brief = (tok: Tokenizer, ids: number[]) => tokenGroups(tok, ids).map((g) => ({ ids: g.pieces.map((p) => [p.id, p.label]), joined: g.joined }));

describe('viz/tokens: tokenLabel', () => {
  it('shows whole characters as text, with whitespace visible', () => {
    expect(tokenLabel(utf8(' world'))).to.equal('·world');
    expect(tokenLabel(utf8('\tx\r\n'))).to.equal('⇥x␍↵');
    expect(tokenLabel(utf8('é你😀'))).to.equal('é你😀');
  });

  it('keeps a line break after ↵ only when asked', () => {
    expect(tokenLabel(utf8(':\n'), { lineBreaks: true })).to.equal(':↵\n');
    expect(visibleChar('\n', { lineBreaks: true })).to.equal('↵\n');
  });

  it('writes bytes that are not a whole character, and control characters, in hex', () => {
    expect(tokenLabel(Uint8Array.of(0xe4, 0xbd))).to.equal('\\xe4\\xbd');
    expect(tokenLabel(Uint8Array.of(0x20, 0xe4, 0xbd))).to.equal('·\\xe4\\xbd');
    expect(tokenLabel(Uint8Array.of(0xa0, 0x61))).to.equal('\\xa0a');
    expect(tokenLabel(Uint8Array.of(0xc0, 0x80))).to.equal('\\xc0\\x80'); // an overlong encoding is no character
    expect(tokenLabel(Uint8Array.of(0x07, 0x7f))).to.equal('\\x07\\x7f');
  });
});

describe('viz/tokens: tokenGroups', () => {
  it('gives one piece per token with colors cycling per token: cl100k on "hello world"', () => {
    expect(cl100k.encode('hello world')).to.deep.equal([15339, 1917]);
    expect(tokenGroups(cl100k, [15339, 1917])).to.deep.equal([
      { pieces: [{ id: 15339, label: 'hello', color: C0, special: false }] },
      { pieces: [{ id: 1917, label: '·world', color: C1, special: false }] },
    ]);
    const many = tokenGroups(cl100k, cl100k.encode('a b c d e f g h i')).map((g) => g.pieces[0].color);
    expect(many).to.deep.equal(Array.from({ length: 9 }, (_, i) => TOKEN_COLORS[i % TOKEN_COLORS.length]));
  });

  it('joins the partial tokens of a character: GPT-2 on "你好" (two tokens per character)', () => {
    expect(gpt2.encode('你好')).to.deep.equal([19526, 254, 25001, 121]);
    expect(brief(gpt2, [19526, 254, 25001, 121])).to.deep.equal([
      { ids: [[19526, '\\xe4\\xbd'], [254, '\\xa0']], joined: '你' },
      { ids: [[25001, '\\xe5\\xa5'], [121, '\\xbd']], joined: '好' },
    ]);
  });

  it('joins a space carried by a partial token: GPT-2 on "hi 你"', () => {
    expect(gpt2.encode('hi 你')).to.deep.equal([5303, 220, 19526, 254]);
    expect(brief(gpt2, [5303, 220, 19526, 254])).to.deep.equal([
      { ids: [[5303, 'hi']], joined: undefined },
      { ids: [[220, '·']], joined: undefined },
      { ids: [[19526, '\\xe4\\xbd'], [254, '\\xa0']], joined: '你' },
    ]);
  });

  it('joins an emoji split after its third byte: cl100k on "😀"', () => {
    expect(cl100k.encode('😀')).to.deep.equal([76460, 222]);
    expect(brief(cl100k, [76460, 222])).to.deep.equal([{ ids: [[76460, '\\xf0\\x9f\\x98'], [222, '\\x80']], joined: '😀' }]);
  });

  it('joins across a token that ends one character and starts the next', () => {
    // Token 256 = A0 E5: the last byte of 你 and the first of 好, so the whole text is one run.
    const tok = Tokenizer.fromMerges([[0xa0, 0xe5]], 'none');
    expect(tok.encode('你好')).to.deep.equal([0xe4, 0xbd, 256, 0xa5, 0xbd]);
    expect(brief(tok, [0xe4, 0xbd, 256, 0xa5, 0xbd])).to.deep.equal([{
      ids: [[0xe4, '\\xe4'], [0xbd, '\\xbd'], [256, '\\xa0\\xe5'], [0xa5, '\\xa5'], [0xbd, '\\xbd']], joined: '你好',
    }]);
  });

  it('leaves a cut-off character as hex pieces with nothing joined', () => {
    expect(brief(gpt2, [19526])).to.deep.equal([{ ids: [[19526, '\\xe4\\xbd']], joined: undefined }]);
    expect(brief(gpt2, [19526, 64])).to.deep.equal([
      { ids: [[19526, '\\xe4\\xbd']], joined: undefined },
      { ids: [[64, 'a']], joined: undefined },
    ]);
  });

  it('names special tokens and grays them', () => {
    expect(gpt2.encode('hi<|endoftext|>', { allowedSpecial: 'all' })).to.deep.equal([5303, 50256]);
    expect(tokenGroups(gpt2, [5303, 50256])[1]).to.deep.equal({
      pieces: [{ id: 50256, label: '<|endoftext|>', color: SPECIAL_TOKEN_COLOR, special: true }],
    });
  });

  it('keeps line breaks in labels: cl100k on indented code', () => {
    expect(cl100k.encode('if x:\n\ty = 1\n')).to.deep.equal([333, 865, 512, 14862, 284, 220, 16, 198]);
    expect(tokenGroups(cl100k, [333, 865, 512, 14862, 284, 220, 16, 198]).map((g) => g.pieces[0].label))
      .to.deep.equal(['if', '·x', ':↵\n', '⇥y', '·=', '·', '1', '↵\n']);
  });
});

describe('viz/tokens: HTML and text', () => {
  const BLOCK = '<div class="gptlab-tokens" style="font-family:monospace;font-size:13px;line-height:2.2;white-space:pre-wrap;overflow-wrap:anywhere">';

  it('draws one span per token with its color and id: cl100k on "hello world"', () => {
    expect(renderTokens(cl100k, 'hello world').html()).to.equal(BLOCK +
      `<span style="background:${C0}" title="15339">hello</span><wbr>` +
      `<span style="background:${C1}" title="1917">·world</span></div>`);
  });

  it('draws a run of partial tokens as a ruby with its characters above: GPT-2 on "你好"', () => {
    const [ruby, rt] = ['<span style="display:inline-block"><ruby>', '<rt style="font-size:80%">'];
    expect(renderTokens(gpt2, '你好').html()).to.equal(BLOCK +
      `${ruby}<span style="background:${C0}" title="19526">\\xe4\\xbd</span><span style="background:${C1}" title="254">\\xa0</span>${rt}你</rt></ruby></span><wbr>` +
      `${ruby}<span style="background:${C2}" title="25001">\\xe5\\xa5</span><span style="background:${C3}" title="121">\\xbd</span>${rt}好</rt></ruby></span></div>`);
  });

  it('escapes HTML in token text', () => {
    expect(gpt2.encode('a <b>')).to.deep.equal([64, 1279, 65, 29]);
    expect(renderTokens(gpt2, 'a <b>').html()).to.contain(`<span style="background:${C1}" title="1279">·&lt;</span>`);
  });

  it('writes text with | between tokens and ⟨…=char⟩ around a run', () => {
    expect(tokensText(tokenGroups(gpt2, gpt2.encode('hi 你')))).to.equal('hi|·|⟨\\xe4\\xbd|\\xa0=你⟩');
    expect(renderTokens(cl100k, 'if x:\n\ty = 1\n').text()).to.equal('if|·x|:↵|⇥y|·=|·|1|↵');
  });

  it('draws ids as given, and refuses a special token in text unless allowed, as encode does', () => {
    expect(renderTokens(gpt2, [5303, 50256]).text()).to.equal('hi|<|endoftext|>');
    expect(() => renderTokens(gpt2, 'hi<|endoftext|>')).to.throw(GptLabError, /special token '<\|endoftext\|>'/);
    expect(renderTokens(gpt2, 'hi<|endoftext|>', { allowedSpecial: 'all' }).text()).to.equal('hi|<|endoftext|>');
  });

  it('compares tokenizers side by side with a token count per cell', () => {
    const cmp = compareTokens({ greeting: 'hello world' }, { 'GPT-2': gpt2, 'GPT-4': cl100k });
    expect(cmp.text()).to.equal('greeting:\n  GPT-2 (2 tokens): hello|·world\n  GPT-4 (2 tokens): hello|·world');
    const html = cmp.html();
    expect(html).to.contain('>GPT-2</th>').and.to.contain('>GPT-4</th>');
    expect(html).to.contain(`<span style="background:${C0}" title="31373">hello</span>`); // GPT-2's id
    expect(html).to.contain(`<span style="background:${C0}" title="15339">hello</span>`); // GPT-4's id
    expect(html.match(/2 tokens/g)).to.have.length(2);
  });
});
