// The char tokenizer with special tokens, on hand-worked ids: ' ' is 1, 'A' is 34, 'a' is 66
// (newline 0, then printable ASCII from ' ' = 32 in order), and the specials follow from 96.

import { expect } from 'chai';
import {
  CHAT_SPECIALS, PRINTABLE_ASCII, assistant, charTokenizer, chatTokens, packDocuments, renderConversation, say, user,
} from '../../src/data';
import { GptLabError } from '../../src/util/assert';

describe('data/char-tokenizer', () => {
  const tok = charTokenizer();

  it('gives the newline and printable ASCII ids 0..95 and the specials 96..105', () => {
    expect(PRINTABLE_ASCII.length).to.equal(96);
    expect(tok.vocabSize).to.equal(107);
    expect(tok.encode('Hi there\n')).to.deep.equal([41, 74, 1, 85, 73, 70, 83, 70, 0]);
    expect(CHAT_SPECIALS.map((s) => tok.special(s))).to.deep.equal([96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106]);
    expect([95, 96, 106, 107].map((id) => tok.isSpecial(id))).to.deep.equal([false, true, true, false]);
  });

  it('decodes special ids to their names and round-trips text', () => {
    expect(tok.decode([41, 74, 96])).to.equal('Hi<|endoftext|>');
    for (const s of ['', 'a', 'What is 347+85?\n#### 432', PRINTABLE_ASCII]) expect(tok.decode(tok.encode(s))).to.equal(s);
  });

  it('encodes the text of a special token as ordinary characters', () => {
    expect(tok.encode('<|bos|>')).to.have.length(7);
    expect(tok.encode('<|bos|>').some((id) => tok.isSpecial(id))).to.equal(false);
  });

  it('names the character, the id and the special token it cannot handle', () => {
    expect(() => tok.encode('café')).to.throw(GptLabError, '"é" is not in the vocabulary');
    expect(() => tok.decode([3, 107])).to.throw(GptLabError, 'id 107 at position 1 is outside 0..106');
    expect(() => tok.special('<|pad|>')).to.throw(GptLabError, "no special token '<|pad|>'");
    expect(() => charTokenizer('ab', ['<|x|>', '<|x|>'])).to.throw(GptLabError, "'<|x|>' is listed twice");
  });

  it('builds small vocabularies: charTokenizer("ab", ["<|endoftext|>"])', () => {
    const small = charTokenizer('ba', ['<|endoftext|>']);
    expect(small.encode('ba')).to.deep.equal([1, 0]);
    expect(small.special('<|endoftext|>')).to.equal(2);
    expect(small.vocabSize).to.equal(3);
  });

  it('feeds renderConversation with the chat tokens', () => {
    const r = renderConversation({ messages: [user('hi'), assistant(say('yo'))] }, chatTokens(tok));
    expect(r.ids).to.deep.equal([97, 98, 73, 74, 99, 100, 90, 80, 101]);
    expect(r.mask).to.deep.equal([0, 0, 0, 0, 0, 0, 1, 1, 1]);
    expect(() => chatTokens(charTokenizer('ab', ['<|endoftext|>']))).to.throw(GptLabError, "no special token '<|bos|>'");
  });

  it('packs documents with <|endoftext|>', () => {
    const s = packDocuments(['ab', 'c'], tok.encode, { eotId: tok.special('<|endoftext|>'), vocabSize: tok.vocabSize });
    expect(Array.from(s.tokens)).to.deep.equal([66, 67, 96, 68, 96]);
  });
});
