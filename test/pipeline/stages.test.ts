// The pipeline: the table's order; the tokenizer, base and SFT stages trained through getStage, each
// checkpoint carrying the tokenizer file; a finished stage loaded without training and with one read
// of its weights (none of the optimizer's); an interrupted SFT run resumed to exactly the weights of
// an uninterrupted one; `gpt-lab sft` from --from into --out. Tiny step counts: plumbing, not quality.

import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { run } from '../../src/cli/sft';
import { GPT, makeConfig } from '../../src/model';
import { evalSets, makeSftTrainConfig, SftTrainer, sftData, sftQuestions } from '../../src/sft';
import { loadCheckpoint, readCheckpointFile, resolveCheckpointDir, saveCheckpoint } from '../../src/train/checkpoint';
import { withSteps } from '../../src/train/schedule';
import { makeWorld } from '../../src/data/world/world';
import { ancestors, getStage, loadStageModel, PIPELINE, pipelineSettings, STAGES, stageDir, TOKENIZER_FILE } from '../../src/pipeline';
import { useTempRunsDir } from '../helpers/runs-dir';

function weightsOf(m: GPT): number[] {
  return [...m.params.byName.values()].flatMap((v) => [...v.dataSync().slice(0, 20)]);
}

/** Counts the files read by name (e.g. 'model.safetensors') while fn runs. */
async function countReads<T>(fn: () => Promise<T>): Promise<{ result: T; reads: Map<string, number> }> {
  const reads = new Map<string, number>();
  // subtle: `import * as fs` is a read-only view; the module object itself is what every import reads through
  const mod = require('fs') as { readFileSync: (...a: unknown[]) => unknown };
  const original = mod.readFileSync;
  mod.readFileSync = (file: unknown, ...rest: unknown[]) => {
    const name = path.basename(String(file));
    reads.set(name, (reads.get(name) ?? 0) + 1);
    return original(file, ...rest);
  };
  try {
    return { result: await fn(), reads };
  } finally {
    mod.readFileSync = original;
  }
}

describe('the pipeline table', () => {
  it('lists every stage once, in the order they run: each starts from an earlier one', () => {
    expect(PIPELINE.map((s) => s.name)).to.deep.equal([...STAGES]);
    expect(STAGES.slice(0, 3)).to.deep.equal(['tokenizer', 'base', 'sft']);
    PIPELINE.forEach((s, i) => {
      for (const dep of [s.from, s.reward]) if (dep !== undefined) expect(STAGES.indexOf(dep), `${s.name} ← ${dep}`).to.be.below(i);
      expect(fs.existsSync(path.join(__dirname, '../../..', s.code)), s.code).to.equal(true);
    });
    expect(ancestors('rlhf')).to.deep.equal(['sft', 'base', 'tokenizer']);
    expect(PIPELINE.find((s) => s.name === 'rlhf')!.reward).to.equal('reward-onpolicy');
  });

  it('gives the chat models a context of at least 256 tokens in every profile', () => {
    for (const prof of ['ci', 'workshop', 'full'] as const) expect(pipelineSettings(prof).base.model.blockSize, prof).to.be.at.least(256);
  });
});

describe('getStage: tokenizer, base, sft and gpt-lab sft', function () {
  this.timeout(300_000);
  const runs = useTempRunsDir('gpt-lab-stages-');

  it('trains the tokenizer, then pretrains the base, whose checkpoint carries the tokenizer file', async () => {
    const starts: number[] = [];
    const steps: number[] = [];
    const base = await getStage('base', { profile: 'ci', steps: 4, onStart: (s) => starts.push(s.resumedFrom), onStep: (s) => steps.push(s.step) });
    expect(base.dir).to.equal(path.join(runs.root(), 'ci', 'base'));
    expect(base.loaded).to.equal(false);
    expect(base.state).to.include({ stage: 'base', tokenizer: 'chat-bpe', data: 'world-small', step: 4 });
    expect(base.state.extra.done).to.equal(true);
    const tokFile = path.join(runs.root(), 'ci', 'tokenizer', TOKENIZER_FILE);
    expect(fs.existsSync(tokFile)).to.equal(true);
    expect(readCheckpointFile(base.dir, TOKENIZER_FILE)).to.equal(fs.readFileSync(tokFile, 'utf8'));
    expect(base.model.config.vocabSize).to.equal(base.tok.vocabSize);
    expect(base.model.config.blockSize).to.equal(256);
    expect(starts).to.deep.equal([0]);
    expect(steps[steps.length - 1]).to.equal(4);
    // what getStage returned is what the checkpoint holds (state built in memory, not read back)
    // the state handed on is what was saved, all but the file checksums that only the save computes
    const { sha256, ...saved } = loadCheckpoint(base.dir).state;
    expect(sha256).to.have.keys('model.safetensors', 'optimizer.safetensors', 'tokenizer.json');
    expect(saved).to.deep.equal({ ...base.state, config: saved.config });
    base.model.dispose();
  });

  it('loads a finished stage without training, reading its weights once and no optimizer state', async () => {
    let started = false;
    const { result: again, reads } = await countReads(() => getStage('base', { profile: 'ci', onStart: () => { started = true; } }));
    expect(started).to.equal(false);
    expect(again.loaded).to.equal(true);
    expect(reads.get('model.safetensors')).to.equal(1);
    expect(reads.get('optimizer.safetensors') ?? 0).to.equal(0);
    // the directory is self-contained: the tokenizer comes from the checkpoint, even with the tokenizer stage gone
    fs.rmSync(path.join(runs.root(), 'ci', 'tokenizer'), { recursive: true });
    const moved = loadStageModel(path.join(runs.root(), 'ci', 'base'));
    expect(moved.tok.encode('What is 47+85?')).to.deep.equal(again.tok.encode('What is 47+85?'));
    expect(weightsOf(moved.model)).to.deep.equal(weightsOf(again.model));
    again.model.dispose();
    moved.model.dispose();
  });

  it('fine-tunes the base into stage sft, recording where it came from, and loads it afterwards', async () => {
    const lines: string[] = [];
    const sft = await getStage('sft', { profile: 'ci', steps: 3, log: (l) => lines.push(l) });
    // the base was loaded on the way, silently: a notebook that loaded it itself sees no repeated line
    expect(lines.filter((l) => /^base: /.test(l))).to.deep.equal([]);
    expect(lines[0]).to.match(/^sft: fine-tuning from .*base.step-000004 \(3 steps\)/);
    expect(sft.dir).to.equal(path.join(runs.root(), 'ci', 'sft'));
    expect(sft.state).to.include({ stage: 'sft', tokenizer: 'chat-bpe', step: 3 });
    expect(sft.state.extra).to.include({ done: true, from: resolveCheckpointDir(path.join(runs.root(), 'ci', 'base')) });
    expect(readCheckpointFile(sft.dir, TOKENIZER_FILE)).to.equal(readCheckpointFile(path.join(runs.root(), 'ci', 'base'), TOKENIZER_FILE));
    const base = loadStageModel(path.join(runs.root(), 'ci', 'base'));
    expect(weightsOf(sft.model)).to.not.deep.equal(weightsOf(base.model));
    let started = false;
    const again = await getStage('sft', { profile: 'ci', onStart: () => { started = true; } });
    expect(started).to.equal(false);
    expect(weightsOf(again.model)).to.deep.equal(weightsOf(sft.model));
    for (const m of [sft, base, again]) m.model.dispose();
  });

  it('resumes an interrupted SFT run to exactly the weights of an uninterrupted one', async () => {
    const baseDir = path.join(runs.root(), 'ci', 'base');
    const whole = await getStage('sft', { profile: 'ci', dir: path.join(runs.root(), 'sft-whole'), steps: 4 });
    // the same run, stopped after 2 of its 4 steps (as a crash would leave it: a checkpoint, not done)
    const dir = path.join(runs.root(), 'sft-cut');
    const base = loadStageModel(baseDir);
    const s = pipelineSettings('ci').sft;
    const data = sftData(base.tok, base.model.config.blockSize, makeWorld(), s);
    const trainer = new SftTrainer(base.model, base.tok, { train: data.train.rendered, val: data.val.rendered }, makeSftTrainConfig(withSteps(s.train, 4)));
    const from = resolveCheckpointDir(baseDir);
    await trainer.run({ untilStep: 2, checkpointDir: dir, checkpointExtra: { tokenizer: 'chat-bpe', stage: 'sft', files: { [TOKENIZER_FILE]: readCheckpointFile(baseDir, TOKENIZER_FILE)! }, extra: { from, done: false } } });
    trainer.optimizer.dispose();
    base.model.dispose();
    const resumedFrom: number[] = [];
    const resumed = await getStage('sft', { profile: 'ci', dir, onStart: (i) => resumedFrom.push(i.resumedFrom) });
    expect(resumedFrom).to.deep.equal([2]);
    expect(resumed.state.step).to.equal(4);
    expect(resumed.state.extra).to.include({ done: true, from });
    expect(weightsOf(resumed.model)).to.deep.equal(weightsOf(whole.model));
    whole.model.dispose();
    resumed.model.dispose();
  });

  it('runs a second seed in its own tree and records the seed', async () => {
    const base = await getStage('base', { profile: 'ci', steps: 2, seed: 7 });
    expect(base.dir).to.equal(stageDir('base', 'ci', 7));
    expect(base.dir).to.equal(path.join(runs.root(), 'ci-seed7', 'base'));
    expect(base.state.seed).to.equal(7);
    expect(base.model.config.seed).to.equal(7);
    base.model.dispose();
  });

  it('evaluates on questions SFT did not train on', () => {
    const s = pipelineSettings('ci').sft;
    const seen = sftQuestions(makeWorld(), s);
    const sets = evalSets(10, makeWorld(), s);
    expect(Object.keys(sets)).to.deep.equal(['facts (test split)', 'facts (train split)', 'arithmetic']);
    for (const ex of sets.arithmetic) expect(seen.has(ex.question)).to.equal(false);
    for (const ex of sets['facts (test split)']) expect(seen.has(ex.question)).to.equal(false);
    for (const [name, list] of Object.entries(sets)) expect(new Set(list.map((e) => e.question)).size, name).to.equal(list.length);
  });

  it('refuses a checkpoint written without the chat tokenizer', () => {
    const dir = path.join(runs.root(), 'shakespeare');
    const m = new GPT(makeConfig('tiny', { vocabSize: 65 }));
    saveCheckpoint(dir, { step: 1, config: m.config, seed: 1 }, m);
    expect(() => loadStageModel(dir)).to.throw(/not written with the chat tokenizer/);
    m.dispose();
  });

  it('gpt-lab sft trains from --from into --out, then scores held-out questions', async () => {
    const out = path.join(runs.root(), 'cli-sft');
    const lines: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => { lines.push(a.join(' ')); };
    let code: number;
    const before = tf.memory().numTensors;
    try {
      code = await run(['--profile', 'ci', '--from', path.join(runs.root(), 'ci', 'base'), '--out', out, '--steps', '2', '--seed', '3', '--backend', 'wasm', '--eval', '3']);
    } finally {
      console.log = log;
    }
    expect(code).to.equal(0);
    expect(loadCheckpoint(out).state).to.include({ stage: 'sft', step: 2, seed: 3 });
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
