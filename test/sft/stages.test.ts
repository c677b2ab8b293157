// The stage functions and `gpt-lab sft`: a base model is pretrained on the world's documents and
// fine-tuned into stage 'sft'; a second call loads the finished checkpoints instead of training;
// loadStageModel refuses a checkpoint of another tokenizer; the command trains from --from into
// --out and scores held-out questions. Tiny step counts: this checks the plumbing, not quality.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { run } from '../../src/cli/sft';
import { GPT, makeConfig } from '../../src/model';
import { ensureBase, ensureSft, evalSets, loadStageModel, sftQuestions } from '../../src/sft';
import { loadCheckpoint, resolveCheckpointDir, saveCheckpoint } from '../../src/train/checkpoint';

function weightsOf(m: GPT): number[] {
  return [...m.params.byName.values()].flatMap((v) => [...v.dataSync().slice(0, 20)]);
}

describe('stages: ensureBase, ensureSft and gpt-lab sft', function () {
  this.timeout(120_000);
  let root: string;
  const saved = process.env.GPTLAB_RUNS_DIR;
  before(async () => {
    await initBackend({ backend: 'wasm' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-stages-'));
    process.env.GPTLAB_RUNS_DIR = root;
  });
  after(async () => {
    if (saved === undefined) delete process.env.GPTLAB_RUNS_DIR;
    else process.env.GPTLAB_RUNS_DIR = saved;
    fs.rmSync(root, { recursive: true, force: true });
    await initBackend({ backend: 'cpu' });
  });

  it('pretrains the base on the world, then loads it instead of training again', async () => {
    const starts: string[] = [];
    const steps: number[] = [];
    const base = await ensureBase({ profile: 'ci', steps: 4, onStart: (s) => starts.push(s.stage), onStep: (s) => steps.push(s.step) });
    expect(base.dir).to.equal(path.join(root, 'ci', 'base'));
    expect(base.state).to.include({ stage: 'base', tokenizer: 'chat-char', data: 'world-small', step: 4 });
    expect(base.state.extra!.done).to.equal(true);
    expect(base.model.config.vocabSize).to.equal(107);
    expect(starts).to.deep.equal(['base']);
    expect(steps[steps.length - 1]).to.equal(4);
    const again = await ensureBase({ profile: 'ci', steps: 4, onStart: (s) => starts.push(s.stage) });
    expect(starts).to.deep.equal(['base']);
    expect(weightsOf(again.model)).to.deep.equal(weightsOf(base.model));
    base.model.dispose();
    again.model.dispose();
  });

  it('fine-tunes the base into stage sft, recording where it came from, and loads it afterwards', async () => {
    const sft = await ensureSft({ profile: 'ci', steps: 3 });
    expect(sft.dir).to.equal(path.join(root, 'ci', 'sft'));
    expect(sft.state).to.include({ stage: 'sft', tokenizer: 'chat-char', step: 3 });
    expect(sft.state.extra).to.include({ done: true, from: resolveCheckpointDir(path.join(root, 'ci', 'base')) });
    const base = loadStageModel(path.join(root, 'ci', 'base'));
    expect(weightsOf(sft.model)).to.not.deep.equal(weightsOf(base.model));
    let started = false;
    const again = await ensureSft({ profile: 'ci', onStart: () => { started = true; } });
    expect(started).to.equal(false);
    expect(weightsOf(again.model)).to.deep.equal(weightsOf(sft.model));
    for (const m of [sft, base, again]) m.model.dispose();
  });

  it('evaluates on questions SFT did not train on', () => {
    const seen = sftQuestions('ci');
    const sets = evalSets(10, 'ci');
    expect(Object.keys(sets)).to.deep.equal(['facts (test split)', 'facts (train split)', 'arithmetic']);
    for (const ex of sets.arithmetic) expect(seen.has(ex.question)).to.equal(false);
    for (const ex of sets['facts (test split)']) expect(seen.has(ex.question)).to.equal(false);
    for (const [name, list] of Object.entries(sets)) expect(new Set(list.map((e) => e.question)).size, name).to.equal(list.length);
  });

  it('refuses a checkpoint written without the chat tokenizer', () => {
    const dir = path.join(root, 'shakespeare');
    const m = new GPT(makeConfig('tiny', { vocabSize: 65 }));
    saveCheckpoint(dir, { step: 1, config: m.config, seed: 1 }, m);
    expect(() => loadStageModel(dir)).to.throw(/not written with the chat tokenizer/);
    m.dispose();
  });

  it('gpt-lab sft trains from --from into --out, then scores held-out questions', async () => {
    const out = path.join(root, 'cli-sft');
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
    let code: number;
    const before = tf.memory().numTensors;
    try {
      code = await run(['--profile', 'ci', '--from', path.join(root, 'ci', 'base'), '--out', out, '--steps', '2', '--backend', 'wasm', '--eval', '3']);
    } finally {
      console.log = log;
    }
    expect(code).to.equal(0);
    expect(loadCheckpoint(out).state).to.include({ stage: 'sft', step: 2 });
    expect(lines.join('\n')).to.match(/sft model at step 2: train loss \d\.\d{4}, val loss \d\.\d{4}/);
    expect(lines.join('\n')).to.match(/arithmetic\s+\d+(\.\d)?% of 3 held-out questions/);
    expect(tf.memory().numTensors).to.equal(before);
    await expectRejects(run(['--out', out, '--stepz', '2']), /unknown option '--stepz'/);
    await expectRejects(run(['--profile', 'huge']), /--profile 'huge' is not a profile/);
  });
});

async function expectRejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect((e as Error).message).to.match(re);
    return;
  }
  expect.fail(`expected a rejection matching ${re}`);
}
