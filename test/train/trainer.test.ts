// The training loop on a tiny model: one batch overfits, a step leaks nothing, evaluation is fixed,
// resuming from a checkpoint gives exactly the losses of an uninterrupted run (with dropout and
// gradient accumulation), checkpoints are atomic and checked, and a NaN stops training clearly.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { Rng } from '../../src/data/rng';
import { streamFromIds, splitStream } from '../../src/data/stream';
import { toTensors } from '../../src/data/tensors';
import {
  AdamW, loadCheckpoint, makeTrainConfig, meanLoss, modelFromCheckpoint, saveCheckpoint, StepInfo, TrainConfig, Trainer, TrainData,
} from '../../src/train';
import { GptLabError } from '../../src/util/assert';
import { tinyModel } from '../model/helpers';

/** 3000 tokens of a noisy repeating pattern over 11 ids: learnable, but not trivially. */
function syntheticData(): TrainData {
  const rng = new Rng(5);
  const ids = Array.from({ length: 3000 }, (_, i) => (rng.chance(0.1) ? rng.int(0, 11) : (i * 3) % 11));
  return splitStream(streamFromIds(ids, 11), 0.9);
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-train-'));
}

const quick = (o: Partial<TrainConfig> = {}): TrainConfig => makeTrainConfig({
  batchSize: 4, maxSteps: 6, evalEvery: 0, evalIters: 2, logEvery: 1,
  schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 2, decaySteps: 6 }, ...o,
});

async function losses(trainer: Trainer, untilStep: number, dir?: string): Promise<number[]> {
  const out: number[] = [];
  await trainer.run({ untilStep, onStep: (s) => out.push(s.loss), checkpointDir: dir });
  return out;
}

describe('Trainer', function () {
  const data = syntheticData();
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('evaluates a split as the mean loss of its first n fixed batches, freeing every loss', () => {
    expect(meanLoss(2, (i) => tf.scalar(i))).to.equal(0.5);
    const model = tinyModel({ seed: 3 });
    const trainer = new Trainer(model, data, quick());
    const byHand = [0, 1, 2].map((i) => tf.tidy(() => {
      const { x, y } = toTensors(trainer.evalBatch('val', i));
      return model.loss(x, y).dataSync()[0];
    }));
    const before = tf.memory().numTensors;
    expect(trainer.evaluateSplit('val', 3)).to.be.closeTo((byHand[0] + byHand[1] + byHand[2]) / 3, 1e-6);
    expect(trainer.evaluateSplit('val')).to.be.closeTo((byHand[0] + byHand[1]) / 2, 1e-6); // evalIters 2
    expect(tf.memory().numTensors).to.equal(before);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('overfits one batch to a loss below 0.05', () => {
    const model = tinyModel({ seed: 3 });
    const opt = new AdamW(model.params.byName, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0 });
    const trainer = new Trainer(model, data, quick());
    const { x, y } = toTensors(trainer.batchAt(0, 0));
    let loss = Infinity;
    for (let i = 0; i < 300 && loss >= 0.05; i++) {
      const { value, grads } = tf.variableGrads(() => model.loss(x, y), model.variables());
      opt.update(new Map([...model.params.byName].map(([n, v]) => [n, grads[v.name]])), 1e-2);
      loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(loss).to.be.below(0.05);
    tf.dispose([x, y]);
    opt.dispose();
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('leaks no tensors in a training step (with dropout, accumulation and clipping)', () => {
    const model = tinyModel({ dropout: 0.1 });
    const trainer = new Trainer(model, data, quick({ gradAccumSteps: 2 }));
    tf.dispose(Object.values(trainer.trainStep())); // the first step creates nothing lasting, but warm up anyway
    const before = tf.memory().numTensors;
    const { loss, gradNorm } = trainer.trainStep();
    tf.dispose([loss, gradNorm]);
    expect(tf.memory().numTensors).to.equal(before);
    trainer.evaluate();
    expect(tf.memory().numTensors).to.equal(before);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('evaluates on fixed batches: the same model gives the same losses', () => {
    const model = tinyModel();
    const trainer = new Trainer(model, data, quick());
    const a = trainer.evaluate();
    expect(trainer.evaluate()).to.deep.equal(a);
    expect(a.valLoss).to.be.closeTo(Math.log(11), 0.15);
    trainer.optimizer.dispose();
    model.dispose();
  });

  it('reports step, loss, lr, tokens/s and elapsed time through onStep, and the loss falls', async () => {
    const model = tinyModel();
    const trainer = new Trainer(model, data, quick({ maxSteps: 30, logEvery: 10, schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 2, decaySteps: 30 } }));
    const seen: StepInfo[] = [];
    const start = trainer.evaluate().trainLoss;
    const last = await trainer.run({ onStep: (s) => seen.push(s) });
    expect(seen.map((s) => s.step)).to.deep.equal([10, 20, 30]);
    expect(seen[0].tokensPerSec).to.be.above(0);
    expect(seen[2].elapsedMs).to.be.above(seen[0].elapsedMs);
    expect(seen[2].lr).to.be.closeTo(1e-3 + 0.5 * (1 + Math.cos(Math.PI * 27 / 28)) * 9e-3, 1e-9);
    expect(last.trainLoss).to.be.below(start - 0.2);
    trainer.optimizer.dispose();
    model.dispose();
  });

  for (const variant of [{ dropout: 0, gradAccumSteps: 1 }, { dropout: 0.2, gradAccumSteps: 2 }]) {
    it(`resumes exactly: 3 steps + save + load + 3 steps = 6 steps (dropout ${variant.dropout}, accumulation ${variant.gradAccumSteps})`, async () => {
      const cfg = quick({ gradAccumSteps: variant.gradAccumSteps });
      const straight = new Trainer(tinyModel({ dropout: variant.dropout }), data, cfg);
      const all = await losses(straight, 6);

      const dir = tmpDir();
      const first = new Trainer(tinyModel({ dropout: variant.dropout }), data, cfg);
      const head = await losses(first, 3, dir);
      const ckpt = loadCheckpoint(dir);
      expect(ckpt.state.step).to.equal(3);
      const resumed = new Trainer(modelFromCheckpoint(ckpt), data, cfg);
      resumed.restore(ckpt);
      const tail = await losses(resumed, 6);

      expect(head.length + tail.length).to.equal(6);
      [...head, ...tail].forEach((l, i) => expect(l).to.be.closeTo(all[i], 1e-6, `step ${i + 1}`));
      // and the weights agree at the end
      const w1 = straight.model.params.wte.dataSync();
      const w2 = resumed.model.params.wte.dataSync();
      for (let i = 0; i < w1.length; i++) expect(w2[i]).to.be.closeTo(w1[i], 1e-6);
      for (const t of [straight, first, resumed]) { t.optimizer.dispose(); t.model.dispose(); }
      fs.rmSync(dir, { recursive: true, force: true });
    });
  }

  it('keeps latest.json on a complete checkpoint, ignores a half-written one, and removes older ones', async () => {
    const dir = tmpDir();
    const model = tinyModel();
    const trainer = new Trainer(model, data, quick({ maxSteps: 4, evalEvery: 2 }));
    await trainer.run({ checkpointDir: dir, checkpointExtra: { vocab: { chars: 'abcdefghijk'.split('') } } });
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['latest.json', 'step-000004']);
    // a crash while writing step 6 leaves a temporary directory behind: the latest is still step 4
    fs.mkdirSync(path.join(dir, '.step-000006.tmp-999'));
    fs.writeFileSync(path.join(dir, '.step-000006.tmp-999', 'model.safetensors'), 'half');
    const ckpt = loadCheckpoint(dir);
    expect(ckpt.state.step).to.equal(4);
    expect(ckpt.state.vocab!.chars).to.have.length(11);
    expect(ckpt.state.metrics!.valLoss).to.be.a('number');
    trainer.optimizer.dispose();
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects a truncated or corrupt checkpoint with a clear error', () => {
    const dir = tmpDir();
    const model = tinyModel();
    const opt = new AdamW(model.params.byName);
    const step = saveCheckpoint(dir, { step: 1, config: model.config, seed: 1 }, model, opt);
    opt.dispose();
    const weights = path.join(step, 'model.safetensors');
    const bytes = fs.readFileSync(weights);
    fs.writeFileSync(weights, bytes.subarray(0, bytes.length - 10));
    expect(() => loadCheckpoint(dir)).to.throw(GptLabError, /model.safetensors is damaged: its sha256/);
    // a checkpoint from before checksums: the safetensors check still catches the truncation
    const stateFile = path.join(step, 'state.json');
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
    fs.writeFileSync(stateFile, JSON.stringify({ ...state, sha256: undefined }));
    expect(() => loadCheckpoint(dir)).to.throw(GptLabError, /model.safetensors is not a valid safetensors file.*truncated or corrupt/);
    fs.writeFileSync(weights, bytes);
    fs.writeFileSync(path.join(step, 'state.json'), '{"format": "gpt-lab-checkpoint", "vers');
    expect(() => loadCheckpoint(dir)).to.throw(GptLabError, /state.json is not valid JSON.*corrupt or truncated/);
    fs.rmSync(path.join(step, 'state.json'));
    expect(() => loadCheckpoint(dir)).to.throw(GptLabError, /state.json is missing/);
    expect(() => loadCheckpoint(path.join(dir, 'nothing'))).to.throw(GptLabError, /holds no checkpoint/);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stops on a NaN loss with the step and advice, keeping the last good checkpoint', async () => {
    const dir = tmpDir();
    const model = tinyModel();
    const trainer = new Trainer(model, data, quick({ maxSteps: 6, evalEvery: 2 }));
    await trainer.run({ untilStep: 2, checkpointDir: dir });
    const fcW = model.params.blocks[0].fcW;
    fcW.assign(tf.fill(fcW.shape as [number, number], NaN) as tf.Tensor2D);
    let err: unknown;
    try {
      await trainer.run({ checkpointDir: dir });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(GptLabError);
    expect((err as Error).message).to.match(/training loss became NaN at step 3.*Lower the learning rate.*step 2\) is kept/);
    expect(loadCheckpoint(dir).state.step).to.equal(2);
    trainer.optimizer.dispose();
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
