// The chat tokenizer: a hand-worked case with exact ids, round trips, specials, one digit per token,
// the split against GPT-4's (patterns.ts, itself checked against tiktoken), JSON save/load, determinism.

import { expect } from 'chai';
import { CHAT_SPECIALS, chatTokens } from '../../src/data/char-tokenizer';
import { assistant, callTool, renderConversation, say, toolResult, user } from '../../src/data/conversation';
import { makeWorld } from '../../src/data/world/world';
import {
  CHAT_BPE_SPECIALS, CHAT_SPLIT_PATTERN, CHAT_VOCAB_SIZE, ChatBpeTokenizer, chatTokenizerFromJSON, splitChat, trainChatTokenizer,
  worldTokenizerTexts,
} from '../../src/tokenizer/chat';
import { splitText } from '../../src/tokenizer/patterns';
import { GptLabError } from '../../src/util/assert';

const TABLE: [string, string][] = [
  ['empty', ''],
  ['one char', 'a'],
  ['emoji', '😀👍🏽👨‍👩‍👧🇫🇷'],
  ['CJK', '日本語のテキストと中文'],
  ['whitespace runs', '   \t\t\n\n\r\n  \u00a0 x   '],
  ['numbers', '3.14159 1,000,000 12345678901234567890 ½ ٣४'],
  ['a worked sum', 'What is 347+85?\n7+5=12, write 2, carry 1.\n4+8+1=13, write 3, carry 1.\n3+1=4, write 4.\n#### 432'],
  ['special names as text', '<|bos|>hi<|assistant_end|><|endoftext|>'],
];

describe('tokenizer/chat', function () {
  this.timeout(60_000);
  const world = makeWorld();
  const texts = worldTokenizerTexts(world);
  const tok = trainChatTokenizer(texts, CHAT_VOCAB_SIZE);

  it('learns merges by hand: "aaab aaab" merges (a,a) → 256, then (a,b) → 257; specials follow', () => {
    // chunks 'aaab' and ' aaab'; (a,a) occurs 4 times, then (256,a), (a,b) tie at 2 and the smaller pair wins
    const small = trainChatTokenizer(['aaab aaab'], 256 + 2 + CHAT_BPE_SPECIALS.length);
    expect(small.bpe.merges).to.deep.equal([[97, 97], [97, 98]]);
    expect(small.encode('aaab')).to.deep.equal([256, 257]);
    expect(small.encode(' aaab aab')).to.deep.equal([32, 256, 257, 32, 256, 98]); // merge order, not left to right
    expect(small.special('<|endoftext|>')).to.equal(258);
    expect(small.vocabSize).to.equal(258 + CHAT_BPE_SPECIALS.length);
  });

  it('round-trips every string of the table and the world texts', () => {
    for (const [name, s] of TABLE) expect(tok.decode(tok.encode(s)), name).to.equal(s);
    for (const s of texts.slice(0, 3000)) expect(tok.decode(tok.encode(s))).to.equal(s);
  });

  it('has the chat specials first (same names and order as the char tokenizer), then reserved ones', () => {
    expect(CHAT_BPE_SPECIALS.slice(0, CHAT_SPECIALS.length)).to.deep.equal([...CHAT_SPECIALS]);
    for (const name of ['<|passage_start|>', '<|passage_end|>', '<|good|>', '<|bad|>', '<|reserved_0|>']) {
      expect(CHAT_BPE_SPECIALS).to.include(name);
    }
    expect(new Set(CHAT_BPE_SPECIALS).size).to.equal(CHAT_BPE_SPECIALS.length);
    const first = tok.vocabSize - CHAT_BPE_SPECIALS.length;
    expect(CHAT_BPE_SPECIALS.map((s) => tok.special(s))).to.deep.equal(CHAT_BPE_SPECIALS.map((_, i) => first + i));
    expect([first - 1, first, tok.vocabSize - 1, tok.vocabSize].map((id) => tok.isSpecial(id))).to.deep.equal([false, true, true, false]);
    expect(tok.decode([tok.special('<|bos|>'), ...tok.encode('hi')])).to.equal('<|bos|>hi');
  });

  it('never encodes plain text as a special id: typing <|bos|> gives ordinary tokens', () => {
    const ids = tok.encode('<|bos|><|user_start|>x<|reward|><|passage_start|>');
    expect(ids.some((id) => tok.isSpecial(id))).to.equal(false);
    expect(ids.length).to.be.greaterThan(5);
  });

  it('splits digits one per token, in the world text and anywhere else', () => {
    for (const s of ['1234567890', 'What is 4821*37?', '#### 178377', ' 2024-01-01']) {
      const pieces = tok.encode(s).map((id) => tok.decode([id]));
      for (const p of pieces) if (/\d/.test(p)) expect(p, `a token of '${s}'`).to.match(/^\d$/);
    }
    expect(tok.encode('347').length).to.equal(3);
  });

  it('splits as GPT-4 does, except that numbers fall apart into single digits', () => {
    const strings = [...TABLE.map(([, s]) => s), ...texts.slice(0, 500), "It's 1234 cats!\n", "we'LL   see\r\n\r\n  x"];
    for (const s of strings) {
      const gpt4 = splitText(s, 'gpt4').flatMap((c) => (/^\p{N}+$/u.test(c) ? [...c] : [c]));
      expect(splitChat(s), s).to.deep.equal(gpt4);
    }
  });

  it('has exactly CHAT_VOCAB_SIZE ids on the world texts (the world offers that many merges)', () => {
    expect(tok.vocabSize).to.equal(CHAT_VOCAB_SIZE);
  });

  it('learns the world: with every merge it offers, each word and name of a fact is one token', () => {
    const all = trainChatTokenizer(texts, 4096);
    expect(all.vocabSize).to.be.lessThan(4096); // the world's text runs out of pairs first
    const sentence = texts[0]; // 'Dusem is in the north. Dusem was founded in 883.'
    const pieces = ['Dusem', ' is', ' in', ' the', ' north', '.', ' Dusem', ' was', ' founded', ' in', ' ', '8', '8', '3', '.'];
    expect(pieces.join('')).to.equal(sentence);
    expect(all.encode(sentence).map((id) => all.decode([id]))).to.deep.equal(pieces);
  });

  it('saves to JSON and loads back the same tokenizer, checking format and version', () => {
    const back = chatTokenizerFromJSON(tok.toJSON());
    expect(back.vocabSize).to.equal(tok.vocabSize);
    expect(back.specials).to.deep.equal(tok.specials);
    expect(back.pattern).to.equal(CHAT_SPLIT_PATTERN);
    for (const s of [...TABLE.map(([, t]) => t), ...texts.slice(0, 500)]) expect(back.encode(s)).to.deep.equal(tok.encode(s));
    expect(back.toJSON()).to.equal(tok.toJSON());
    const data = JSON.parse(tok.toJSON());
    expect(data.format).to.equal('gpt-lab-chat-tokenizer');
    expect(() => chatTokenizerFromJSON(JSON.stringify({ ...data, version: 2 }))).to.throw(GptLabError, 'version 2');
    expect(() => chatTokenizerFromJSON(JSON.stringify({ ...data, format: 'gpt-lab-tokenizer' }))).to.throw(GptLabError, 'not a chat tokenizer');
    expect(() => chatTokenizerFromJSON(tok.toJSON().slice(0, 50))).to.throw(GptLabError, 'not valid JSON');
  });

  it('trains deterministically: the same texts give the same file', () => {
    const again: ChatBpeTokenizer = trainChatTokenizer(worldTokenizerTexts(makeWorld()), CHAT_VOCAB_SIZE);
    expect(again.toJSON()).to.equal(tok.toJSON());
  });

  it('renders a conversation with a tool call through chatTokens', () => {
    const conv = { messages: [user('Calculate 12*3.'), assistant(callTool('calculator', '12*3'), toolResult('calculator', '36'), say('#### 36'))] };
    const { ids, mask } = renderConversation(conv, chatTokens(tok));
    expect(ids[0]).to.equal(tok.special('<|bos|>'));
    expect(tok.decode(ids)).to.equal('<|bos|><|user_start|>Calculate 12*3.<|user_end|><|assistant_start|><|tool_start|>12*3<|tool_end|>' +
      '<|output_start|>36<|output_end|>#### 36<|assistant_end|>');
    expect(mask.length).to.equal(ids.length);
  });

  it('names what is wrong: a too-small vocabulary, an unknown special, an id out of range', () => {
    expect(() => trainChatTokenizer(texts, 100)).to.throw(GptLabError, 'at least');
    expect(() => tok.special('<|pad|>')).to.throw(GptLabError, "no special token '<|pad|>'");
    expect(() => tok.decode([1, tok.vocabSize])).to.throw(GptLabError, `id ${tok.vocabSize} at position 1`);
  });
});
