import { expect } from 'chai';
import {
  ChatTokens, assistant, assistantText, callTool, checkConversation, padForNextToken, padSequences, promptOf,
  renderConversation, renderPrompt, say, toolResult, user,
} from '../../src/data';
import { GptLabError } from '../../src/util/assert';

const arr = (a: Int32Array) => Array.from(a);

describe('data/padding', () => {
  const seqs = [{ ids: [5, 6, 7], mask: [0, 1, 1] }, { ids: [8] }];

  it('pads on the right with attention and loss masks', () => {
    const b = padSequences(seqs, { padId: 0, side: 'right' });
    expect(b.shape).to.deep.equal([2, 3]);
    expect(arr(b.ids)).to.deep.equal([5, 6, 7, 8, 0, 0]);
    expect(arr(b.attentionMask)).to.deep.equal([1, 1, 1, 1, 0, 0]);
    expect(arr(b.lossMask)).to.deep.equal([0, 1, 1, 1, 0, 0]);
    expect(arr(b.lengths)).to.deep.equal([3, 1]);
    expect(arr(b.lastIndex)).to.deep.equal([2, 0]);
  });

  it('pads on the left so every row ends in the last column', () => {
    const b = padSequences(seqs, { padId: 9, side: 'left' });
    expect(arr(b.ids)).to.deep.equal([5, 6, 7, 9, 9, 8]);
    expect(arr(b.attentionMask)).to.deep.equal([1, 1, 1, 0, 0, 1]);
    expect(arr(b.lossMask)).to.deep.equal([0, 1, 1, 0, 0, 1]);
    expect(arr(b.lastIndex)).to.deep.equal([2, 2]);
  });

  it('pads to a fixed length, and refuses a sequence longer than it', () => {
    const b = padSequences(seqs, { padId: 0, side: 'right', length: 4 });
    expect(b.shape).to.deep.equal([2, 4]);
    expect(arr(b.ids)).to.deep.equal([5, 6, 7, 0, 8, 0, 0, 0]);
    expect(() => padSequences(seqs, { padId: 0, side: 'right', length: 2 })).to.throw(GptLabError, 'sequence 0 has 3 tokens, more than the padding length 2');
  });

  it('shifts for next-token training, taking the loss mask at the target', () => {
    const b = padForNextToken([{ ids: [5, 6, 7], mask: [0, 1, 1] }, { ids: [8, 9] }], { padId: 0, side: 'right' });
    expect(b.shape).to.deep.equal([2, 2]);
    expect(arr(b.x)).to.deep.equal([5, 6, 8, 0]);
    expect(arr(b.y)).to.deep.equal([6, 7, 9, 0]);
    expect(arr(b.attentionMask)).to.deep.equal([1, 1, 1, 0]);
    expect(arr(b.lossMask)).to.deep.equal([1, 1, 1, 0]);

    const left = padForNextToken([{ ids: [5, 6, 7], mask: [1, 0, 1] }, { ids: [8, 9] }], { padId: 0, side: 'left' });
    expect(arr(left.x)).to.deep.equal([5, 6, 0, 8]);
    expect(arr(left.y)).to.deep.equal([6, 7, 0, 9]);
    expect(arr(left.attentionMask)).to.deep.equal([1, 1, 0, 1]);
    expect(arr(left.lossMask)).to.deep.equal([0, 1, 0, 1]);
  });

  it('rejects mismatched masks, empty input and one-token examples for next-token training', () => {
    expect(() => padSequences([{ ids: [1, 2], mask: [1] }], { padId: 0, side: 'right' })).to.throw(GptLabError, 'mask length 1 differs from ids length 2');
    expect(() => padSequences([], { padId: 0, side: 'right' })).to.throw(GptLabError, 'no sequences');
    expect(() => padSequences([{ ids: [] }], { padId: 0, side: 'right' })).to.throw(GptLabError, 'sequence 0 is empty');
    expect(() => padForNextToken([{ ids: [1, 2] }, { ids: [3] }], { padId: 0, side: 'right' })).to.throw(GptLabError, 'sequence 1 has fewer than 2 tokens');
  });
});

describe('data/conversation', () => {
  // Special ids 1..9; text encodes to char codes (all >= 32, so never a special id).
  const chat: ChatTokens = {
    encode: (s) => [...s].map((c) => c.charCodeAt(0)),
    bos: 1, userStart: 2, userEnd: 3, assistantStart: 4, assistantEnd: 5, toolStart: 6, toolEnd: 7, outputStart: 8, outputEnd: 9,
  };

  it('renders a conversation with the mask on the assistant only', () => {
    const r = renderConversation({ messages: [user('hi'), assistant(say('yo'))] }, chat);
    expect(r.ids).to.deep.equal([1, 2, 104, 105, 3, 4, 121, 111, 5]);
    expect(r.mask).to.deep.equal([0, 0, 0, 0, 0, 0, 1, 1, 1]);
  });

  it('trains the tool call but not the tool output', () => {
    const conv = { messages: [user('2*3'), assistant(callTool('calculator', '2*3'), toolResult('calculator', '6'), say('6'))] };
    const r = renderConversation(conv, chat);
    expect(r.ids).to.deep.equal([1, 2, 50, 42, 51, 3, 4, 6, 50, 42, 51, 7, 8, 54, 9, 54, 5]);
    expect(r.mask).to.deep.equal([0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1]);
    expect(assistantText(conv.messages[1])).to.equal('6');
  });

  it('folds a system message into the first user message', () => {
    const r = renderConversation({ messages: [{ role: 'system', text: 's' }, user('u'), assistant(say('a'))] }, chat);
    expect(r.ids).to.deep.equal([1, 2, 115, 10, 10, 117, 3, 4, 97, 5]);
  });

  it('renders the prompt for generation, ending with assistantStart', () => {
    expect(renderPrompt({ messages: [user('hi'), assistant(say('yo'))] }, chat)).to.deep.equal([1, 2, 104, 105, 3, 4]);
    expect(promptOf({ messages: [user('hi'), assistant(say('yo'))] })).to.deep.equal({ messages: [user('hi')] });
  });

  it('rejects conversations out of turn', () => {
    expect(() => checkConversation({ messages: [user('a'), user('b')] })).to.throw(GptLabError, "message 1 has role 'user' where 'assistant' was expected");
    expect(() => checkConversation({ messages: [] })).to.throw(GptLabError, 'no user message');
    expect(() => promptOf({ messages: [user('a')] })).to.throw(GptLabError, "ends with 'user'");
  });
});
