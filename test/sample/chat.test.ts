// Batched chat generation against one-prompt-at-a-time generation by src/sample (no KV cache, full
// forward passes): the same greedy tokens for prompts of different lengths, stops where a stop
// token first appears, ends when the context is full, and draws per row independently of the batch.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { assistant, say, user } from '../../src/data/conversation';
import { GPT, makeConfig } from '../../src/model';
import { generate } from '../../src/sample';
import { completeDocuments, continueBatch, promptIds, sampleReplies } from '../../src/sample/chat';

const tok = charTokenizer();
const chat = chatTokens(tok);

describe('batched generation', () => {
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 32, seed: 11 }));
  });
  after(() => model.dispose());

  it('renders a prompt as the conversation, then <|assistant_start|>', () => {
    const ids = promptIds(tok, { messages: [user('hi')] });
    expect(ids).to.deep.equal([chat.bos, chat.userStart, ...tok.encode('hi'), chat.userEnd, chat.assistantStart]);
    // a conversation that already holds the ideal reply gives the same prompt
    expect(promptIds(tok, { messages: [user('hi'), assistant(say('yo'))] })).to.deep.equal(ids);
  });

  it('gives, greedily, the tokens of one-at-a-time generation for prompts of different lengths', () => {
    const prompts = [tok.encode('ab'), tok.encode('Where is Dusem?'), tok.encode('x'), tok.encode('What is 3+4?')];
    const rows = continueBatch(model, prompts, { stop: [], maxTokens: 10, temperature: 0 });
    prompts.forEach((p, b) => {
      const want = generate(model, p, { maxTokens: 10, temperature: 0, useCache: false });
      expect(rows[b].ids, `row ${b}`).to.deep.equal(want);
      expect(rows[b].stopped).to.equal(false);
    });
  });

  it('stops at the first stop token and includes it', () => {
    const p = tok.encode('Hello');
    const free = generate(model, p, { maxTokens: 12, temperature: 0, useCache: false });
    const stopAt = free[4];
    const first = free.indexOf(stopAt);
    const [row] = continueBatch(model, [p], { stop: [stopAt], maxTokens: 12, temperature: 0 });
    expect(row.ids).to.deep.equal(free.slice(0, first + 1));
    expect(row.stopped).to.equal(true);
  });

  it('ends when the context is full: a prompt of T - 2 tokens gets 3 tokens (positions T-2, T-1 and T)', () => {
    const T = model.config.blockSize;
    const p = Array.from({ length: T - 2 }, (_, i) => tok.encode('abcdef')[i % 6]);
    const [row] = continueBatch(model, [p], { stop: [], maxTokens: 50, temperature: 0 });
    expect(row.ids).to.deep.equal(generate(model, p, { maxTokens: 3, temperature: 0, useCache: false }));
    expect(() => continueBatch(model, [Array(T).fill(1)], { stop: [], maxTokens: 5 })).to.throw(/leaves no room for a reply/);
  });

  it('samples each row from its own seed: batch size and neighbours do not change a reply', () => {
    const prompts = ['Where is Dusem?', 'What is 12+5?', 'How old is Popi?'].map((q) => ({ messages: [user(q)] }));
    const opts = { temperature: 1, maxTokens: 8, seed: 5 };
    const together = sampleReplies(model, tok, prompts, { ...opts, batchSize: 3 });
    const apart = sampleReplies(model, tok, prompts, { ...opts, batchSize: 1 });
    expect(together.map((r) => r.ids)).to.deep.equal(apart.map((r) => r.ids));
    const other = sampleReplies(model, tok, prompts, { ...opts, seed: 6 });
    expect(other.map((r) => r.ids)).to.not.deep.equal(together.map((r) => r.ids));
    together.forEach((r) => expect(r.text).to.equal(tok.decode(r.stopped ? r.ids.slice(0, -1) : r.ids)));
  });

  it('completes plain text without chat tokens, as one-at-a-time generation does', () => {
    const texts = ['Dusem is in the', 'What is 47*6?\n'];
    const got = completeDocuments(model, tok, texts, { maxTokens: 9 });
    texts.forEach((t, i) => {
      const want = generate(model, tok.encode(t), { maxTokens: 9, temperature: 0, useCache: false, stopTokens: [tok.special('<|endoftext|>')] });
      const eot = want.indexOf(tok.special('<|endoftext|>'));
      expect(got[i]).to.equal(tok.decode(eot < 0 ? want : want.slice(0, eot)));
    });
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    sampleReplies(model, tok, [{ messages: [user('hi')] }, { messages: [user('a longer one')] }], { maxTokens: 6 });
    expect(tf.memory().numTensors).to.equal(before);
  });
});
