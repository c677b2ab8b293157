// The row hook of the batched decoder against references that do not use it: one-prompt-at-a-time
// generation with full forward passes (no KV cache) over the prompt plus the forced ids, and the full
// forward pass's own last logits, masked by hand.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { GPT, makeConfig } from '../../src/model';
import { argmax, generate, lastLogits } from '../../src/sample';
import { continueBatch } from '../../src/sample/chat';
import { forwardPasses, maskedLogits, newDecodeStats, RowControl } from '../../src/sample/control';

const tok = charTokenizer();

describe('decoding hook (row control)', () => {
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 32, seed: 5 }));
  });
  after(() => model.dispose());

  it('masks a copy of the logits: banned ids and ids outside the allowed set get -Infinity', () => {
    expect(Array.from(maskedLogits([1, 2, 3], { kind: 'sample', banned: [2] }))).to.deep.equal([1, 2, -Infinity]);
    expect(Array.from(maskedLogits([1, 2, 3], { kind: 'sample', allowed: [1, 0, 1], banned: [0] })))
      .to.deep.equal([-Infinity, -Infinity, 3]);
    expect(() => maskedLogits([1, 2], { kind: 'sample', allowed: [0, 0] })).to.throw(/masked every token/);
  });

  it('appends forced ids unsampled and marked, then samples as if the prompt had held them', () => {
    const p = tok.encode('What is');
    const forcedIds = tok.encode(' 12');
    const control: RowControl = (reply) => (reply.length === 0
      ? { kind: 'force', ids: forcedIds }
      : { kind: 'sample' });
    const [row] = continueBatch(model, [p], { stop: [], maxTokens: 8, temperature: 0, control });
    expect(row.ids.slice(0, 3)).to.deep.equal(forcedIds);
    expect(row.forced).to.deep.equal([true, true, true, false, false, false, false, false]);
    expect(row.ids.slice(3))
      .to.deep.equal(generate(model, [...p, ...forcedIds], { maxTokens: 5, temperature: 0, useCache: false }));
  });

  it('feeds a forced run in one forward pass, not one per token (counted by wrapping the model)', () => {
    let calls = 0;
    const hidden = model.hidden.bind(model);
    model.hidden = ((...args: Parameters<GPT['hidden']>) => { calls++; return hidden(...args); }) as GPT['hidden'];
    try {
      const k = 6;
      const control: RowControl = (reply) => (reply.length === 0
        ? { kind: 'force', ids: tok.encode('abcdef') }
        : { kind: 'sample' });
      const stats = newDecodeStats();
      const m = 4; // sampled ids after the run; the last is never fed
      const [row] = continueBatch(model, [tok.encode('hi')],
        { stop: [], maxTokens: k + m, temperature: 0, control, stats });
      expect(row.ids.length).to.equal(k + m);
      // prompt: 1 pass; the forced run: 1; each sampled id but the last: 1. One pass per forced id would be k + m + 1.
      expect(calls).to.equal(1 + 1 + (m - 1));
      expect(stats).to.deep.equal({ passes: calls, sampled: m, forced: k, forcedRuns: 1 });
      // the prompt's pass, then the reply's passes but the last id's (never fed)
      expect(calls).to.equal(1 + forwardPasses(row.forced) - 1);
      expect(forwardPasses([false, true, false, true, true])).to.equal(4);
    } finally {
      model.hidden = hidden;
    }
  });

  it('never samples a banned id, and greedy picks the best allowed one of the full forward pass', () => {
    const p = tok.encode('Dusem');
    const free = generate(model, p, { maxTokens: 1, temperature: 0, useCache: false })[0];
    const [row] = continueBatch(model, [p],
      { stop: [], maxTokens: 1, temperature: 0, control: () => ({ kind: 'sample', banned: [free] }) });
    const ref = lastLogits(model, p);
    ref[free] = -Infinity;
    expect(row.ids).to.deep.equal([argmax(ref)]);
    expect(row.forced).to.deep.equal([false]);
  });

  it('respects an allowed mask at temperature 1 over many draws', () => {
    const V = tok.vocabSize;
    const allowed = Uint8Array.from({ length: V }, (_, t) => (t % 7 === 3 ? 1 : 0));
    const prompts = Array.from({ length: 6 }, (_, i) => tok.encode(`q${i}`));
    const rows = continueBatch(model, prompts,
      { stop: [], maxTokens: 10, temperature: 1, seed: 3, control: () => ({ kind: 'sample', allowed }) });
    for (const r of rows) for (const id of r.ids) expect(id % 7, `id ${id}`).to.equal(3);
  });

  it('forces rows of different prompt lengths in one batch, each as its own one-at-a-time reference', () => {
    const a = tok.encode('Where is');
    const b = tok.encode('x');
    const control: RowControl = (reply) => (reply.length < 3
      ? { kind: 'force', ids: tok.encode('zzzz').slice(0, 1) }
      : { kind: 'sample' });
    const rows = continueBatch(model, [a, b], { stop: [], maxTokens: 6, temperature: 0, control });
    expect(rows[0].ids.slice(0, 3)).to.deep.equal(tok.encode('zzz'));
    expect(rows[0].ids.slice(3))
      .to.deep.equal(generate(model, [...a, ...tok.encode('zzz')], { maxTokens: 3, temperature: 0, useCache: false }));
    expect(rows[1].ids.slice(3))
      .to.deep.equal(generate(model, [...b, ...tok.encode('zzz')], { maxTokens: 3, temperature: 0, useCache: false }));
    const free = continueBatch(model, [a, b], { stop: [], maxTokens: 6, temperature: 0 });
    expect(free[1].ids).to.deep.equal(generate(model, b, { maxTokens: 6, temperature: 0, useCache: false }));
  });

  it('ends a row at a forced stop id and cuts a forced run at maxTokens', () => {
    const stopId = tok.encode('!')[0];
    const [r1] = continueBatch(model, [tok.encode('a')],
      { stop: [stopId], maxTokens: 9, control: () => ({ kind: 'force', ids: tok.encode('ok!more') }) });
    expect(tok.decode(r1.ids)).to.equal('ok!');
    expect(r1.stopped).to.equal(true);
    const [r2] = continueBatch(model, [tok.encode('a')],
      { stop: [], maxTokens: 2, control: () => ({ kind: 'force', ids: tok.encode('xyz') }) });
    expect(tok.decode(r2.ids)).to.equal('xy');
  });

  it('rejects a forced id outside the vocabulary and an empty forced run', () => {
    expect(() => continueBatch(model, [[1]],
      { stop: [], maxTokens: 3, control: () => ({ kind: 'force', ids: [tok.vocabSize] }) }))
      .to.throw(/forced id: token \d+ is outside/);
    expect(() => continueBatch(model, [[1]], { stop: [], maxTokens: 3, control: () => ({ kind: 'force', ids: [] }) }))
      .to.throw(/forced no ids/);
  });

  it('leaks no tensors, forced or not', () => {
    const before = tf.memory().numTensors;
    const control: RowControl = (reply) => (reply.length % 3 === 0
      ? { kind: 'force', ids: tok.encode('ab') }
      : { kind: 'sample', banned: [0] });
    continueBatch(model, [tok.encode('a'), tok.encode('bcd')], { stop: [], maxTokens: 12, control });
    expect(() => continueBatch(model, [[1]], { stop: [], maxTokens: 3, control: () => ({ kind: 'force', ids: [] }) }))
      .to.throw();
    expect(tf.memory().numTensors).to.equal(before);
  });
});
