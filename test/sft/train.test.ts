// The SFT loop: epochs cover every conversation once, a tiny model fine-tuned on a few
// conversations answers them word for word (and the scorer agrees), a resumed run repeats an
// uninterrupted one exactly, a step leaks nothing, and checkpoints say stage 'sft'.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { assistant, renderConversation, say, user } from '../../src/data/conversation';
import { QAExample } from '../../src/data/world/task';
import { GPT, makeConfig } from '../../src/model';
import { loadCheckpoint, modelFromCheckpoint } from '../../src/train/checkpoint';
import { GptLabError } from '../../src/util/assert';
import { lockDir } from '../../src/util/lock';
import { batchIndices, evaluateTask, factPrefix, makeSftTrainConfig, renderExamples, roundUp, SftTrainConfig, SftTrainer, sftMixture } from '../../src/sft';
import { ArithmeticExample } from '../../src/data/world/arithmetic';
import { factsOf } from '../../src/data/world/facts';
import { FactExample, isTestFact } from '../../src/data/world/questions';
import { makeWorld } from '../../src/data/world/world';

const tok = charTokenizer();
const chat = chatTokens(tok);

function qa(question: string, answer: string, expected: QAExample['expected']): QAExample {
  return { task: 'facts', index: 0, question, expected, conversation: { messages: [user(question), assistant(say(answer))] } };
}

const EXAMPLES = [
  qa('Where is Dusem?', 'Dusem is in the north.', { kind: 'word', value: 'north', alternatives: ['north', 'south', 'east', 'west'] }),
  qa('Where is Fofum?', 'Fofum is in the east.', { kind: 'word', value: 'east', alternatives: ['north', 'south', 'east', 'west'] }),
  qa('What is 2+3?', '#### 5', { kind: 'number', value: 5 }),
];

const quick = (o: Partial<SftTrainConfig> = {}) => makeSftTrainConfig({
  batchSize: 3, maxSteps: 6, evalEvery: 0, evalBatches: 1, logEvery: 1,
  schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 2, decaySteps: 6 }, ...o,
});

function tinyChatModel(seed = 7): GPT {
  return new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, nEmbd: 32, blockSize: 48, seed }));
}

describe('SFT data', () => {
  it('draws every example once per epoch, the same for the same seed', () => {
    const n = 10;
    const epoch0 = [0, 1].flatMap((s) => batchIndices(n, 4, 7, s)).concat(batchIndices(n, 4, 7, 2).slice(0, 2));
    expect([...epoch0].sort((a, b) => a - b)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(batchIndices(n, 4, 7, 3)).to.deep.equal(batchIndices(n, 4, 7, 3));
    expect(batchIndices(n, 4, 8, 0)).to.not.deep.equal(batchIndices(n, 4, 7, 0));
  });

  it('drops conversations that do not fit the context, and rounds batch widths up to 16', () => {
    const long = qa('x'.repeat(60), 'y', { kind: 'number', value: 1 });
    const kept = renderExamples(tok, [EXAMPLES[0], long], 48);
    expect(kept.examples).to.deep.equal([EXAMPLES[0]]);
    expect(renderExamples(tok, [EXAMPLES[0], long], 128).examples).to.have.length(2);
    expect([roundUp(1, 16, 128), roundUp(16, 16, 128), roundUp(17, 16, 128), roundUp(121, 16, 128)]).to.deep.equal([16, 16, 32, 128]);
  });
});

describe('SFT mixture', () => {
  const world = makeWorld();

  it('mixes facts of the train split with 2-digit sums, by weight, the same for the same seed', () => {
    const mix = sftMixture(world, { size: 400, seed: 3, weights: { facts: 1, arithmetic: 3 }, digits: 2 });
    const all = Array.from({ length: 400 }, (_, i) => mix.example(i));
    const facts = all.filter((e) => e.task === 'facts') as FactExample[];
    const sums = all.filter((e) => e.task === 'arithmetic') as ArithmeticExample[];
    expect(facts.length + sums.length).to.equal(400);
    expect(sums.length / 400).to.be.within(0.68, 0.82);
    for (const f of facts) {
      const fact = factsOf(world, world.byId.get(f.entityId)!).find((x) => x.attribute === f.attribute)!;
      expect(isTestFact(world, fact), f.question).to.equal(false);
    }
    for (const e of sums) {
      expect(e.a).to.be.within(10, 99);
      expect(e.result).to.equal(e.op === '+' ? e.a + e.b : e.a * e.b);
    }
    expect(mix.example(17)).to.deep.equal(sftMixture(world, { size: 400, seed: 3, weights: { facts: 1, arithmetic: 3 }, digits: 2 }).example(17));
  });

  it('cuts a fact sentence just before its answer, for the knowledge probe', () => {
    const person = world.people[0];
    const facts = factsOf(world, person);
    const town = world.byId.get(person.town)!.name;
    expect(factPrefix(facts.find((f) => f.attribute === 'town')!)).to.equal(`${person.name} lives in`);
    expect(factPrefix(facts.find((f) => f.attribute === 'age')!)).to.equal(`${person.name} is`);
    expect(facts.find((f) => f.attribute === 'town')!.sentence).to.equal(`${person.name} lives in ${town}.`);
  });
});

describe('SFT training', () => {
  before(async () => { await initBackend({ backend: 'wasm' }); });
  after(async () => { await initBackend({ backend: 'cpu' }); });

  it('fine-tunes a tiny model until it answers its conversations word for word', async function () {
    this.timeout(120_000);
    const model = tinyChatModel();
    const rendered = EXAMPLES.map((e) => renderConversation(e.conversation, chat));
    const config = quick({ maxSteps: 120, schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 5, decaySteps: 120 } });
    const trainer = new SftTrainer(model, tok, { train: rendered, val: rendered }, config);
    const before = trainer.evaluate().valLoss;
    const last = await trainer.run();
    expect(before).to.be.greaterThan(3);
    expect(last.valLoss).to.be.lessThan(0.05);
    const score = evaluateTask(model, tok, EXAMPLES);
    expect(score.rows.map((r) => r.reply)).to.deep.equal(['Dusem is in the north.', 'Fofum is in the east.', '#### 5']);
    expect(score.rows.every((r) => r.stopped)).to.equal(true);
    expect(score.accuracy).to.equal(1);
    // the scorer reads the expected value: the same replies against other answers score 0
    const wrong = [qa('Where is Dusem?', '', { kind: 'word', value: 'south', alternatives: ['north', 'south'] }), qa('What is 2+3?', '', { kind: 'number', value: 6 })];
    expect(evaluateTask(model, tok, wrong).accuracy).to.equal(0);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('resumed from a checkpoint, repeats the losses of an uninterrupted run', async () => {
    const rendered = EXAMPLES.map((e) => renderConversation(e.conversation, chat));
    const data = { train: rendered, val: rendered };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-sft-'));
    try {
      const a = new SftTrainer(tinyChatModel(), tok, data, quick({ batchSize: 2 }));
      const full: number[] = [];
      await a.run({ onStep: (s) => full.push(s.loss) });
      const b = new SftTrainer(tinyChatModel(), tok, data, quick({ batchSize: 2 }));
      const first: number[] = [];
      await b.run({ untilStep: 3, onStep: (s) => first.push(s.loss), checkpointDir: dir, checkpointExtra: { tokenizer: 'chat-char', stage: 'sft' } });
      const ckpt = loadCheckpoint(dir);
      expect(ckpt.state.stage).to.equal('sft');
      expect(ckpt.state.tokenizer).to.equal('chat-char');
      expect(ckpt.state.step).to.equal(3);
      const c = new SftTrainer(modelFromCheckpoint(ckpt), tok, data, quick({ batchSize: 2 }));
      c.restore(ckpt);
      const rest: number[] = [];
      await c.run({ onStep: (s) => rest.push(s.loss) });
      expect(first.concat(rest)).to.have.length(6);
      first.concat(rest).forEach((l, i) => expect(l, `step ${i + 1}`).to.be.closeTo(full[i], 1e-5));
      for (const t of [a, b, c]) { t.optimizer.dispose(); t.model.dispose(); }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says a resumed checkpoint is damaged when its first loss is not finite, and holds the directory while it trains', async () => {
    const rendered = EXAMPLES.map((e) => renderConversation(e.conversation, chat));
    const data = { train: rendered, val: rendered };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-sft-'));
    try {
      const a = new SftTrainer(tinyChatModel(), tok, data, quick({ batchSize: 2 }));
      await a.run({ untilStep: 2, checkpointDir: dir });
      const step = path.join(dir, 'step-000002');
      // an old checkpoint (no checksums) whose weights were overwritten with 0x7F bytes: 3.4e38, finite but overflowing
      const stateFile = path.join(step, 'state.json');
      fs.writeFileSync(stateFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(stateFile, 'utf8')), sha256: undefined }));
      const weights = fs.readFileSync(path.join(step, 'model.safetensors'));
      weights.fill(0x7f, 8 + Number(weights.readBigUInt64LE(0)));
      fs.writeFileSync(path.join(step, 'model.safetensors'), weights);
      const b = new SftTrainer(tinyChatModel(), tok, data, quick({ batchSize: 2 }));
      b.restore(loadCheckpoint(dir));
      const lock = lockDir(dir);
      const err = (p: Promise<unknown>) => p.then(() => new Error('no error'), (e: Error) => e);
      expect((await err(b.run({ checkpointDir: dir }))).message).to.match(/already in use by another run/);
      lock.release();
      const e = await err(b.run({ checkpointDir: dir }));
      expect(e).to.be.instanceOf(GptLabError);
      expect(e.message).to.match(/SFT loss is already NaN at the first step after loading the checkpoint .*step-000002 \(step 2\).*damaged/);
      expect(e.message).not.to.match(/lower schedule.maxLr/);
      for (const t of [a, b]) { t.optimizer.dispose(); t.model.dispose(); }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaks no tensors in a training step', () => {
    const rendered = EXAMPLES.map((e) => renderConversation(e.conversation, chat));
    const t = new SftTrainer(tinyChatModel(), tok, { train: rendered, val: rendered }, quick());
    const { loss, gradNorm } = t.trainStep(); // the first step creates nothing lasting beyond the optimizer's moments
    tf.dispose([loss, gradNorm]);
    const before = tf.memory().numTensors;
    const s = t.trainStep();
    tf.dispose([s.loss, s.gradNorm]);
    expect(tf.memory().numTensors).to.equal(before);
    t.optimizer.dispose();
    t.model.dispose();
  });
});
