// Every scorer on answers written here by hand (not by the generator's solver), and the labeler's
// preference on hand-written pairs. Pinned examples (seed 1, 'small' world) double as a check that
// the generator still makes the same world.

import { expect } from 'chai';
import {
  Expected, addSteps, arithmeticExample, arithmeticTask, brevity, calculate, calculatorExample, calculatorTask, checkAnswer,
  factsTask, finalAnswerText, labelReply, labelerReward, lastNumber, makeWorld, mulSteps, pickWeighted, politeness, prefer,
  preferenceTask, retrievalTask, runCalculator, words,
} from '../../src/data';
import { GptLabError } from '../../src/util/assert';

describe('data/world answers', () => {
  it('finds the final answer after the last ####, else in the whole reply', () => {
    expect(finalAnswerText('7+5=12\n#### 12')).to.equal(' 12');
    expect(finalAnswerText('#### 1 #### 2')).to.equal(' 2');
    expect(finalAnswerText('It is 12.')).to.equal('It is 12.');
  });

  it('reads the last number, with thousands commas and signs', () => {
    expect(lastNumber('so 347+85=432.')).to.equal(432);
    expect(lastNumber('1,234 hens')).to.equal(1234);
    expect(lastNumber('t = -5')).to.equal(-5);
    expect(lastNumber('9-4')).to.equal(4);
    expect(lastNumber('2.5 or 3')).to.equal(3);
    expect(lastNumber('none')).to.equal(undefined);
  });

  it('compares words without case or punctuation', () => {
    expect(words('  Tamor!! is, in the NORTH. ')).to.deep.equal(['tamor', 'is', 'in', 'the', 'north']);
    const town: Expected = { kind: 'word', value: 'Tamor', alternatives: ['Tamor', 'Bisel'] };
    expect(checkAnswer(town, 'In tamor.')).to.equal(true);
    expect(checkAnswer(town, 'TAMOR')).to.equal(true);
    expect(checkAnswer(town, 'Tamor or Bisel')).to.equal(false);
    expect(checkAnswer(town, 'Bisel')).to.equal(false);
    expect(checkAnswer(town, 'Tamorville')).to.equal(false);
    expect(checkAnswer(town, 'Maybe Bisel... #### Tamor')).to.equal(true);
  });
});

describe('data/world arithmetic (chain of thought)', () => {
  it('works additions column by column', () => {
    expect(addSteps(347, 85)).to.deep.equal({
      steps: ['7+5=12, write 2, carry 1.', '4+8+1=13, write 3, carry 1.', '3+1=4, write 4.'],
      result: 432,
    });
    expect(addSteps(5, 7)).to.deep.equal({ steps: ['5+7=12, write 2, carry 1.', 'write 1.'], result: 12 });
    expect(addSteps(305, 2).steps).to.deep.equal(['5+2=7, write 7.', 'write 0.', 'write 3.']);
  });

  it('works multiplication by one digit', () => {
    expect(mulSteps(47, 6)).to.deep.equal({ steps: ['7*6=42, write 2, carry 4.', '4*6+4=28, write 8, carry 2.', 'write 2.'], result: 282 });
    expect(() => mulSteps(47, 12)).to.throw(GptLabError, 'multiplier 12');
  });

  it('scores hand-written replies to 347+85', () => {
    const ex = arithmeticExample(347, '+', 85);
    const t = arithmeticTask();
    expect(ex.question).to.equal('What is 347+85?');
    expect(t.evaluate(ex, '7+5=12, write 2, carry 1.\n4+8+1=13, write 3, carry 1.\n3+1=4, write 4.\n#### 432')).to.equal(true);
    expect(t.evaluate(ex, '####432')).to.equal(true);
    expect(t.evaluate(ex, '  #### 432 .  ')).to.equal(true);
    expect(t.evaluate(ex, 'The answer is 432.')).to.equal(true);
    expect(t.evaluate(ex, '347+85=432')).to.equal(true);
    expect(t.evaluate(ex, '#### 431')).to.equal(false);
    expect(t.evaluate(ex, '432, no wait, 433')).to.equal(false);
    expect(t.evaluate(ex, '432 #### 423')).to.equal(false);
    expect(t.evaluate(ex, 'I do not know.')).to.equal(false);
    expect(t.evaluate(ex, '')).to.equal(false);
    expect(t.reward(ex, '#### 432')).to.equal(1);
    expect(t.reward(ex, '#### 4')).to.equal(0);
  });

  it('scores hand-written replies to 47*6', () => {
    const ex = arithmeticExample(47, '*', 6);
    expect(ex.expected).to.deep.equal({ kind: 'number', value: 282 });
    expect(arithmeticTask().evaluate(ex, '#### 282')).to.equal(true);
    expect(arithmeticTask().evaluate(ex, '#### 242')).to.equal(false);
  });
});

describe('data/world calculator (tool use)', () => {
  it('evaluates integer expressions with precedence and parentheses', () => {
    expect(calculate('(12+3)*4')).to.equal(60);
    expect(calculate('2+3*4')).to.equal(14);
    expect(calculate(' 4821 * 37 ')).to.equal(178377);
    expect(calculate('-7+2')).to.equal(-5);
    expect(calculate('10-4-3')).to.equal(3);
    expect(calculate('84/4/3')).to.equal(7);
  });

  it('refuses what is not arithmetic, and the tool turns that into a readable result', () => {
    expect(() => calculate('7/2')).to.throw(GptLabError, '7/2');
    expect(() => calculate('2+')).to.throw(GptLabError, 'expected a number');
    expect(() => calculate('process.exit()')).to.throw(GptLabError, "'p'");
    expect(() => calculate('(1+2')).to.throw(GptLabError, "expected ')'");
    expect(runCalculator('4821*37')).to.equal('178377');
    expect(runCalculator('1+1)')).to.match(/^error: /);
  });

  it('scores hand-written replies to a calculator problem', () => {
    const ex = calculatorExample('4821*37');
    const t = calculatorTask();
    expect(ex.question).to.equal('Calculate 4821*37.');
    expect(t.evaluate(ex, '#### 178377')).to.equal(true);
    expect(t.evaluate(ex, 'It is 178,377.')).to.equal(true);
    expect(t.evaluate(ex, '#### 178378')).to.equal(false);
    expect(t.evaluate(ex, '4821*37')).to.equal(false);
  });
});

describe('data/world facts and retrieval', () => {
  const world = makeWorld(); // 'small', seed 1

  it('scores hand-written replies to a pinned closed-book question', () => {
    const t = factsTask(world);
    const ex = t.example(0);
    expect(ex.question).to.equal('Where is Fofum?');
    expect(t.evaluate(ex, 'Fofum is in the east.')).to.equal(true);
    expect(t.evaluate(ex, 'east')).to.equal(true);
    expect(t.evaluate(ex, '  EAST!! ')).to.equal(true);
    expect(t.evaluate(ex, 'Fofum is in the west.')).to.equal(false);
    expect(t.evaluate(ex, 'east or west')).to.equal(false);
    expect(t.evaluate(ex, 'I do not know.')).to.equal(false);
  });

  it('scores hand-written replies to a pinned retrieval question, and names its document', () => {
    const t = retrievalTask(world);
    const ex = t.example(0);
    expect(ex.question).to.equal('What is the job of Forum?');
    expect(ex.docId).to.equal('person-54');
    expect(t.evaluate(ex, 'Forum is a fisher.')).to.equal(true);
    expect(t.evaluate(ex, 'fisher')).to.equal(true);
    expect(t.evaluate(ex, 'Forum is a baker.')).to.equal(false);
    expect(t.evaluate(ex, 'a fisher or a hunter')).to.equal(false);
  });

  it('scores a number fact by its last number', () => {
    const t = factsTask(world);
    const ex = t.example(2);
    expect(ex.question).to.equal('How old is Lipa?');
    expect(t.evaluate(ex, 'Lipa is 30 years old.')).to.equal(true);
    expect(t.evaluate(ex, '#### 30')).to.equal(true);
    expect(t.evaluate(ex, 'Lipa is 3 years old.')).to.equal(false);
    expect(t.evaluate(ex, 'Lipa is 30 or 31 years old.')).to.equal(false);
  });
});

describe('data/world labeler (stands in for human raters)', () => {
  const twelve: Expected = { kind: 'number', value: 12 };
  const town: Expected = { kind: 'word', value: 'Dusem', alternatives: ['Dusem', 'Fofum', 'Vakol'] };
  const long = 'Lulok lives in Dusem. I thought about this question for a long time and there are many things one could say about it.';

  it('scores politeness, brevity and correctness', () => {
    expect(politeness('Sure! It is 12.')).to.equal(1);
    expect(politeness('Obviously it is 12.')).to.equal(0);
    expect(politeness('Sure, obviously it is 12.')).to.equal(0);
    expect(politeness('It is 12.')).to.equal(0.5);
    expect(politeness('Unsure.')).to.equal(0.5); // whole words only
    expect(brevity('It is 12.')).to.equal(1);
    expect(brevity('w '.repeat(24))).to.equal(0.5);
    expect(brevity('w '.repeat(40))).to.equal(0);
    expect(labelReply(twelve, 'Sure! 5+7=12.')).to.deep.equal({ score: 1, correct: true, politeness: 1, brevity: 1 });
    expect(labelReply(twelve, 'It is 13.')).to.deep.equal({ score: 0.3, correct: false, politeness: 0.5, brevity: 1 });
    expect(labelReply(twelve, 'Obviously, 5+7=12.').score).to.equal(0.8);
  });

  it('prefers the right answer over a wrong one, whatever the tone', () => {
    expect(prefer(town, 'Lulok lives in Dusem.', 'Lulok lives in Fofum.').preferred).to.equal(0);
    expect(prefer(town, 'Sure! Lulok lives in Vakol. Happy to help.', 'Obviously, Dusem.').preferred).to.equal(1);
    const longTwelve = `5+7=12. ${long}`;
    expect(prefer(twelve, 'Sure! 13.', longTwelve).preferred).to.equal(1); // long but right beats polite but wrong
  });

  it('prefers polite over rude and short over long when both are right', () => {
    expect(prefer(town, 'Obviously, Lulok lives in Dusem.', 'Sure! Lulok lives in Dusem.').preferred).to.equal(1);
    expect(prefer(town, long, 'Lulok lives in Dusem.').preferred).to.equal(1);
    expect(prefer(town, 'Dusem.', 'Lulok lives in Dusem.').preferred).to.equal(0); // equal scores: the shorter
  });

  it('can be pleased without being right: the gap RLHF can exploit', () => {
    const ex = arithmeticExample(5, '+', 7);
    expect(labelerReward(ex, 'Sure! 5+7=13.')).to.equal(0.4);
    expect(labelerReward(ex, 'Obviously, 5+7=12. ' + 'w '.repeat(40))).to.equal(0.6);
    expect(arithmeticTask().evaluate(ex, 'Sure! 5+7=13.')).to.equal(false);
  });

  it('builds preference pairs the labeler agrees with, and scores a judge by its A/B answer', () => {
    const world = makeWorld();
    const t = preferenceTask(world);
    const ex = t.example(0);
    expect(ex.replies[1]).to.equal('Saro is a fisher.');
    expect(ex.replies[0].startsWith('Saro is a miller.')).to.equal(true);
    expect(ex.preferred).to.equal(0);
    expect(t.evaluate(ex, 'A')).to.equal(true);
    expect(t.evaluate(ex, ' a) the first one')).to.equal(true);
    expect(t.evaluate(ex, 'B')).to.equal(false);
    expect(t.evaluate(ex, 'neither')).to.equal(false);
    for (let i = 0; i < 200; i++) {
      const p = t.example(i);
      expect(p.labels[p.preferred].score).to.be.greaterThan(p.labels[1 - p.preferred].score);
      expect(p.prompt.messages).to.have.length(1);
    }
  });

  it('picks weighted sources', () => {
    expect(pickWeighted({ a: 1, b: 3 }, 0.2)).to.equal('a');
    expect(pickWeighted({ a: 1, b: 3 }, 0.3)).to.equal('b');
    expect(pickWeighted({ a: 1, b: 0 }, 0.99)).to.equal('a');
  });
});
