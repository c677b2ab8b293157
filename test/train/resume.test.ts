// Resuming `pretrain` with other settings: what may change mid-run applies from the resumed step and is
// recorded in the checkpoint; what would break exact resume is refused with the fix. Also: the
// evaluation callback (the CLI's "checkpoint saved" line) runs only once its checkpoint is on disk.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend';
import { loadCheckpoint, pretrain, PretrainOptions, ResumeChange, StepInfo, TrainConfig } from '../../src/train';
import { GptLabError } from '../../src/util/assert';

/** A few thousand characters of made-up verse over a small alphabet: enough for the tiny preset. */
const TEXT = Array.from({ length: 200 }, (_, i) => `line ${i % 7}: the cat sat on the mat, and ${'abc'[i % 3]} ran.\n`).join('');

/** nanoGPT's get_lr, written out again: linear warmup, cosine to minLr, then minLr. `it` is 0-based. */
function nanoGptLr(it: number, maxLr: number, minLr: number, warmup: number, decay: number): number {
  if (it < warmup) return (maxLr * (it + 1)) / warmup;
  if (it > decay) return minLr;
  const ratio = (it - warmup) / (decay - warmup);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (maxLr - minLr);
}

async function run(out: string, o: Partial<PretrainOptions> = {}) {
  const steps: StepInfo[] = [];
  const evals: number[] = [];
  const r = await pretrain({ preset: 'tiny', text: TEXT, out, onStep: (s) => steps.push(s), onEval: (e) => evals.push(e.step), ...o });
  r.trainer.optimizer.dispose();
  r.model.dispose();
  return { ...r, steps, evals };
}

describe('pretrain: resuming with changed settings', function () {
  let root: string;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-resume-'));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A run of the tiny preset stopped at step 4 (its schedule: 1e-3 → 1e-4, warmup 2, decay over 20 steps). */
  async function stoppedAt4(name: string): Promise<string> {
    const out = path.join(root, name);
    await run(out, { train: { maxSteps: 4, evalEvery: 2 } });
    expect(loadCheckpoint(out).state.step).to.equal(4);
    return out;
  }

  it('applies a lower --lr from the resumed step, says so, and records it in the checkpoint', async () => {
    const out = await stoppedAt4('lr');
    const r = await run(out, { steps: 8, lr: 5e-4 });
    expect(r.resumedFrom).to.equal(4);
    // The learning rate of step 5 (0-based iteration 4) follows the saved warmup and decay with the new peak and floor.
    const lr5 = r.steps.find((s) => s.step === 5)!.lr;
    expect(lr5).to.be.closeTo(nanoGptLr(4, 5e-4, 5e-5, 2, 20), 1e-12);
    expect(lr5).to.be.lessThan(nanoGptLr(4, 1e-3, 1e-4, 2, 20) * 0.6);
    const saved = loadCheckpoint(out).state;
    expect(saved.step).to.equal(8);
    expect((saved.train as TrainConfig).schedule).to.deep.include({ maxLr: 5e-4, minLr: 5e-5, warmupSteps: 2, decaySteps: 20 });
    const recorded = saved.extra?.resumeChanges as ResumeChange[];
    expect(recorded).to.deep.include({ step: 4, setting: 'schedule.maxLr', from: 1e-3, to: 5e-4 });
    expect(recorded).to.deep.include({ step: 4, setting: 'maxSteps', from: 4, to: 8 });
    expect(r.changes).to.deep.equal(recorded);
  });

  it('keeps earlier changes in the record when a run resumes again', async () => {
    const out = await stoppedAt4('twice');
    await run(out, { steps: 6, lr: 5e-4 });
    await run(out, { steps: 8, train: { evalEvery: 1 } });
    const recorded = loadCheckpoint(out).state.extra?.resumeChanges as ResumeChange[];
    expect(recorded.map((c) => `${c.step} ${c.setting}`)).to.deep.equal(
      ['4 maxSteps', '4 schedule.maxLr', '4 schedule.minLr', '6 maxSteps', '6 evalEvery']);
  });

  it('applies --eval-every, --eval-iters and --log-every from the resumed step', async () => {
    const out = await stoppedAt4('every');
    const r = await run(out, { steps: 10, train: { evalEvery: 3, evalIters: 1, logEvery: 2 } });
    expect(r.evals).to.deep.equal([6, 9, 10]);
    expect(r.steps.map((s) => s.step)).to.deep.equal([6, 8, 9, 10]); // logs every 2 steps, and at each evaluation
    expect(r.trainer.config).to.deep.include({ evalEvery: 3, evalIters: 1, logEvery: 2, maxSteps: 10, batchSize: 4, seed: 1337 });
  });

  it('refuses a different batch size or seed, naming each option, the saved values and the fix', async () => {
    const out = await stoppedAt4('refuse');
    let err: unknown;
    try {
      await run(out, { steps: 8, train: { batchSize: 8, seed: 3 } });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(GptLabError);
    const msg = (err as Error).message;
    expect(msg).to.include('batchSize (--batch-size) 8, seed (--seed) 3 cannot change when resuming');
    expect(msg).to.include('which holds batchSize 4, seed 1337');
    expect(msg).to.include('use a new output directory');
    expect(loadCheckpoint(out).state.step).to.equal(4); // nothing trained
  });

  it('accepts the saved values again (a rerun of the same command) and records nothing', async () => {
    const out = await stoppedAt4('same');
    const r = await run(out, { steps: 4, lr: 1e-3, train: { batchSize: 4, seed: 1337, evalEvery: 2 } });
    expect(r.changes).to.deep.equal([]);
    expect(loadCheckpoint(out).state.extra).to.equal(undefined);
  });

  it('calls onEval only after the checkpoint of that step is saved', async () => {
    const out = path.join(root, 'order');
    const seen: number[] = [];
    await run(out, { train: { maxSteps: 4, evalEvery: 2 }, onEval: (e) => { seen.push(loadCheckpoint(out).state.step); expect(e.step).to.equal(seen[seen.length - 1]); } });
    expect(seen).to.deep.equal([2, 4]);
  });
});
