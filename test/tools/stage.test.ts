// The tool fine-tuning data and stage: the loss mask of a trace written out by hand, held-out problems
// kept apart from training, the answer parser, and a two-step run that saves a loadable checkpoint.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { renderConversation } from '../../src/data/conversation';
import { Rng } from '../../src/data/rng';
import { makeWorld } from '../../src/data/world/world';
import { GPT, makeConfig } from '../../src/model';
import { loadCheckpoint } from '../../src/train/checkpoint';
import { percentInterval, summarizeTools, ToolRow, drawToolProblem, toolAnswer, toolData, toolExample, toolFineTune, toolMixture, toolProblems, stepsExample } from '../../src/tools';
import { pipelineSettings } from '../../src/pipeline/settings';

const tok = charTokenizer();
const c = chatTokens(tok);

describe('tool fine-tuning data and stage', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('masks the tool\'s output out of the loss and trains the call and the answer (written out by hand)', () => {
    const p = { kind: 'product' as const, a: 2, op: '*' as const, b: 3, expression: '2*3', result: 6 };
    const r = renderConversation(toolExample(p).conversation, c);
    const e = (s: string) => tok.encode(s);
    const want: [number[], number][] = [
      [[c.bos, c.userStart, ...e('Calculate 2*3.'), c.userEnd, c.assistantStart], 0],
      [[c.toolStart, ...e('2*3'), c.toolEnd], 1],
      [[c.outputStart, ...e('6'), c.outputEnd], 0],
      [[...e('#### 6'), c.assistantEnd], 1],
    ];
    expect(r.ids).to.deep.equal(want.flatMap(([ids]) => ids));
    expect(r.mask).to.deep.equal(want.flatMap(([ids, m]) => ids.map(() => m)));
  });

  it('draws sums of two 4-digit numbers and products of a 4-digit number and one digit, with their results', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 50; i++) {
      const s = drawToolProblem(rng, 'sum');
      expect(s.a).to.be.within(1000, 9999);
      expect(s.b).to.be.within(1000, 9999);
      expect(s.result).to.equal(s.a + s.b);
      const p = drawToolProblem(rng, 'product');
      expect(p.b).to.be.within(2, 9);
      expect(p.expression).to.equal(`${p.a}*${p.b}`);
      expect(p.result).to.equal(p.a * p.b);
    }
    expect(stepsExample({ kind: 'sum', a: 4821, op: '+', b: 3719, expression: '4821+3719', result: 8540 }).question).to.equal('What is 4821+3719?');
  });

  it('keeps held-out problems out of the training expressions', () => {
    const world = makeWorld();
    const sft = pipelineSettings('ci').sft;
    const mix = toolMixture(world, sft, { examples: 400, valExamples: 8, weights: { tool: 1, steps: 1, sft: 1 } }, 5);
    const sources = new Set(mix.map((m) => m.source));
    expect([...sources].sort()).to.deep.equal(['sft', 'steps', 'tool']);
    const train = new Set(mix.flatMap((m) => (m.expression ? [m.expression] : [])));
    const first = toolProblems(20, 9);
    const held = toolProblems(20, 9, new Set([...train, first[0].expression]));
    expect(held.length).to.equal(40);
    for (const p of held) expect(train.has(p.expression)).to.equal(false);
    expect(held.map((p) => p.expression)).not.to.include(first[0].expression);
  });

  it('reads the answer after the last ####, and none without one', () => {
    expect(toolAnswer('<|tool_start|>2*3<|tool_end|><|output_start|>6<|output_end|>#### 6')).to.equal(6);
    expect(toolAnswer('<|output_start|>6<|output_end|>')).to.equal(undefined);
    expect(toolAnswer('#### 12\n#### 13')).to.equal(13);
  });

  it('trains two steps from a model and saves a checkpoint that records where it came from', async () => {
    const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 128, seed: 1 }));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sft-tools-'));
    try {
      const settings = { data: { examples: 24, valExamples: 8, weights: { tool: 1, steps: 1, sft: 1 } }, train: { batchSize: 4, maxSteps: 2, evalEvery: 0, evalBatches: 1, logEvery: 1 } };
      const data = toolData(tok, 128, makeWorld(), pipelineSettings('ci').sft, settings);
      expect(data.train.rendered.length).to.be.greaterThan(0);
      const before = tf.memory().numTensors;
      const run = await toolFineTune({ model, tok }, makeWorld(), pipelineSettings('ci').sft, settings, { dir, record: {} }, { from: 'nowhere' });
      expect(tf.memory().numTensors).to.equal(before);
      expect(run.state.extra).to.include({ done: true, kind: 'tools', from: 'nowhere' });
      const ck = loadCheckpoint(dir);
      expect(ck.state.stage).to.equal('sft');
      expect(ck.state.step).to.equal(2);
    } finally {
      model.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('summarizes accuracy and tool-call rate per kind and mode (counted by hand)', () => {
    const row = (kind: 'sum' | 'product', mode: 'steps' | 'tool', correct: boolean, calls: number, call?: { input: string; output?: string }): ToolRow =>
      ({ kind, mode, question: 'Calculate 2*3.', reply: '', expected: 6, answer: correct ? 6 : 5, correct, calls, call });
    const rows = [row('sum', 'tool', true, 1, { input: '2*3', output: '6' }), row('sum', 'tool', true, 1, { input: '2*4', output: '6' }),
      row('sum', 'tool', false, 0), row('sum', 'tool', true, 2, { input: '2*3' }), row('product', 'steps', false, 0)];
    const s = summarizeTools(rows);
    expect(s.map((x) => [x.mode, x.kind, x.n, x.accuracy.estimate, x.callRate])).to.deep.equal([['steps', 'product', 1, 0, 0], ['tool', 'sum', 4, 0.75, 0.75]]);
    expect(s[1].accuracy.lower).to.be.at.most(0.75);
    // calls: 3, of which 2 copy '2*3'; outputs: 2, and both answers (6) equal the output
    expect([s[1].callCopied, s[1].answerCopied]).to.deep.equal([2 / 3, 1]);
    expect(Number.isNaN(s[0].callCopied)).to.equal(true);
    expect(percentInterval({ estimate: 0.4321, lower: 0.3, upper: 0.571, level: 0.95, n: 10 })).to.equal('43% [30–57]');
  });
});
