// Few-shot prompts for a base model: the exact document, shots from the task world, the stop rule;
// and the equal-compute ledger by hand.

import { expect } from 'chai';
import { ComputeLedger, cutAtStop, fewShotPrompt, pickShots, samplesForBudget, shotOf } from '../../src/think';
import { arithmeticExample, arithmeticTask } from '../../src/data/world/arithmetic';
import { factsTask } from '../../src/data/world/questions';
import { makeWorld, makeWorldConfig } from '../../src/data/world/world';
import { GptLabError } from '../../src/util/assert';

describe('fewShotPrompt', () => {
  it('writes the exact document: shots, blank lines, an open Answer:', () => {
    const shots = [shotOf(arithmeticExample(12, '+', 34)), { question: 'Where is Dusem?', answer: 'Dusem is in the north.' }];
    expect(fewShotPrompt(shots, 'What is 5+7?')).to.equal(
      'Question: What is 12+34?\nAnswer: 2+4=6, write 6.\n1+3=4, write 4.\n#### 46\n\n' +
      'Question: Where is Dusem?\nAnswer: Dusem is in the north.\n\n' +
      'Question: What is 5+7?\nAnswer:');
  });

  it('is the bare question with an open answer at zero shots', () => {
    expect(fewShotPrompt([], 'Where is Fofum?')).to.equal('Question: Where is Fofum?\nAnswer:');
  });

  it('rejects a shot with a blank line, which would end its answer early', () => {
    expect(() => fewShotPrompt([{ question: 'q', answer: 'a\n\nb' }], 'x')).to.throw(GptLabError, /blank line/);
  });

  it('cuts a completion at the end of its answer', () => {
    expect(cutAtStop(' Dusem is in the north.\n\nQuestion: Where is')).to.equal('Dusem is in the north.');
    expect(cutAtStop(' 4+8=12\n#### 12')).to.equal('4+8=12\n#### 12');
  });
});

describe('pickShots', () => {
  const world = makeWorld(makeWorldConfig({}, 'tiny'));

  it('draws distinct questions from a task, never the one asked, the same for a seed', () => {
    const task = factsTask(world, { split: 'train' });
    const avoid = task.example(0).question;
    const shots = pickShots(task, 3, 1, avoid);
    const questions = shots.map((s) => s.question);
    expect(new Set(questions).size).to.equal(3);
    expect(questions).to.not.include(avoid);
    expect(pickShots(task, 3, 1, avoid).map((s) => s.question)).to.deep.equal(questions);
    expect(shots.every((s) => s.task === 'facts')).to.equal(true);
  });

  it('gives shots whose answers the task scores as right', () => {
    const task = arithmeticTask({ digits: 2, ops: ['+'] });
    for (const e of pickShots(task, 3, 2)) expect(task.evaluate(e, shotOf(e).answer)).to.equal(true);
  });

  it('fails, naming the task, when it has too few distinct questions', () => {
    const task = arithmeticTask({ digits: 1, ops: ['+'], size: 2 });
    expect(() => pickShots(task, 3, 1)).to.throw(GptLabError, /only \d distinct questions of 3 in task 'arithmetic'/);
  });
});

describe('ComputeLedger', () => {
  it('adds up tokens per technique and per question, by hand', () => {
    const ledger = new ComputeLedger();
    ledger.record('greedy', 'q1', { generated: 10, prompt: 5 });
    ledger.record('greedy', 'q2', { generated: 6, prompt: 5 });
    for (const g of [10, 14, 12, 16]) ledger.record('vote@2', g < 13 ? 'q1' : 'q2', { generated: g, prompt: 5 });
    expect(ledger.of('greedy')).to.deep.equal({ questions: 2, calls: 2, generated: 16, prompt: 10, generatedPerQuestion: 8 });
    expect(ledger.of('vote@2')).to.deep.equal({ questions: 2, calls: 4, generated: 52, prompt: 20, generatedPerQuestion: 26 });
    expect(ledger.relative('vote@2', 'greedy')).to.equal(26 / 8);
    expect(Object.keys(ledger.table())).to.deep.equal(['greedy', 'vote@2']);
  });

  it('names the recorded techniques when asked for an unknown one', () => {
    const ledger = new ComputeLedger();
    ledger.record('greedy', 'q1', { generated: 1 });
    expect(() => ledger.of('vote@8')).to.throw(GptLabError, /'vote@8'.*greedy/);
    expect(() => ledger.record('x', 'q', { generated: -1 })).to.throw(GptLabError, /generated=-1/);
  });

  it('fits samples to a budget', () => {
    expect([samplesForBudget(25, 100), samplesForBudget(30, 100), samplesForBudget(300, 100)]).to.deep.equal([4, 3, 1]);
  });
});
