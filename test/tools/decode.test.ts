// The tool engine through the decoder's row hook, on a tiny random model with the char tokenizer: a
// scripted call (forced, as a trained model would write it) is answered by the calculator, the answer is
// forced and marked, and sampling resumes with the output frame masked.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { GPT, makeConfig } from '../../src/model';
import { argmax, continueBatch, lastLogits, RowControl } from '../../src/sample';
import { calculatorTool, chatToolContext, toolControl } from '../../src/tools';

const tok = charTokenizer();
const c = chatTokens(tok);

describe('tool engine in the decoder', () => {
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 64, seed: 9 }));
  });
  after(() => model.dispose());

  // The "model" writes the call: forced here so the test does not depend on a trained model.
  const call = [c.toolStart, ...tok.encode('4821*37'), c.toolEnd];
  const scripted = (inner: RowControl): RowControl => (reply) => (reply.length === 0 ? { kind: 'force', ids: call } : inner(reply));

  it('forces the calculator\'s result (178377 = 4821*37 by hand) after a call, marked as not sampled', () => {
    const [row] = continueBatch(model, [tok.encode('Q')], { stop: [], maxTokens: 24, control: scripted(toolControl(chatToolContext(tok, calculatorTool))) });
    const result = [c.outputStart, ...tok.encode('178377'), c.outputEnd];
    expect(row.ids.slice(call.length, call.length + result.length)).to.deep.equal(result);
    expect(row.forced.slice(0, call.length + result.length).every((f) => f)).to.equal(true);
    expect(row.forced.slice(call.length + result.length).every((f) => !f)).to.equal(true);
    // sampling resumes outside a call: no end of call, no output frame
    for (const id of row.ids.slice(call.length + result.length)) expect([c.toolEnd, c.outputStart, c.outputEnd]).not.to.include(id);
  });

  it('samples after the tool as greedy full forward passes with the frame ids masked would', () => {
    const p = tok.encode('Q');
    const [row] = continueBatch(model, [p], { stop: [], maxTokens: 20, temperature: 0, control: scripted(toolControl(chatToolContext(tok, calculatorTool))) });
    const forcedLen = row.forced.lastIndexOf(true) + 1;
    const ids = [...p, ...row.ids.slice(0, forcedLen)];
    const want: number[] = [];
    while (want.length < 20 - forcedLen) {
      const logits = lastLogits(model, ids);
      for (const b of [c.toolEnd, c.outputStart, c.outputEnd]) logits[b] = -Infinity;
      const id = argmax(logits);
      want.push(id);
      ids.push(id);
    }
    expect(row.ids.slice(forcedLen)).to.deep.equal(want);
  });

  it('with the tool taken away, forces nothing after the call', () => {
    const [row] = continueBatch(model, [tok.encode('Q')], { stop: [], maxTokens: 16, control: scripted(toolControl(chatToolContext(tok))) });
    expect(row.forced.slice(call.length).some((f) => f)).to.equal(false);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    continueBatch(model, [tok.encode('Q'), tok.encode('long prompt')], { stop: [], maxTokens: 20, control: scripted(toolControl(chatToolContext(tok, calculatorTool))) });
    expect(tf.memory().numTensors).to.equal(before);
  });
});
