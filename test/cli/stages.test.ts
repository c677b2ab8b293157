// `gpt-lab stages`: --list reads each stage's status from its directory (missing on an empty runs tree,
// finished after the stages are trained, unfinished for a checkpoint without extra.done); a run gets
// the chosen stages, trains what is missing and loads it on a rerun, leaving no tensor behind; --only
// and --notebooks choose stages by the table, and a name not in it is one clear error. The ci profile
// in a temporary runs tree (GPTLAB_RUNS_DIR): seconds, plumbing not quality.

import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { selectStages } from '../../src/cli/stages';
import { PIPELINE, STAGES, stageDir, stageStatus } from '../../src/pipeline';
import { readCheckpointState, resolveCheckpointDir } from '../../src/train/checkpoint';
import { gptLab } from '../helpers/cli';
import { useTempRunsDir } from '../helpers/runs-dir';

/** The status column of `stages --list --json`, by stage. */
async function statuses(...argv: string[]): Promise<Record<string, string>> {
  const r = await gptLab('stages', '--list', '--json', '--profile', 'ci', ...argv);
  expect(r.code, r.err).to.equal(0);
  const rows = (JSON.parse(r.out) as { stages: { stage: string; status: string }[] }).stages;
  return Object.fromEntries(rows.map((s) => [s.stage, s.status]));
}

describe('gpt-lab stages: choosing stages', () => {
  it('takes --only names in table order, whatever order they are given in', () => {
    expect(selectStages('base,tokenizer')).to.deep.equal(['tokenizer', 'base']);
    expect(selectStages(' sft , dpo,')).to.deep.equal(['sft', 'dpo']);
    expect(selectStages()).to.deep.equal([...STAGES]);
  });

  it('takes --notebooks by number or name: 07 is think-sft and think-verifier, 04 the tokenizer, base and sft', () => {
    expect(selectStages(undefined, '07')).to.deep.equal(['think-sft', 'think-verifier']);
    expect(selectStages(undefined, '04-sft')).to.deep.equal(['tokenizer', 'base', 'sft']);
    expect(selectStages(undefined, '08')).to.deep.equal(['encoder', 'openbook']);
    expect(selectStages('dpo', '05')).to.deep.equal(['reward', 'dpo']);
  });

  it('refuses an unknown stage with one error naming it and every valid stage', async () => {
    const r = await gptLab('stages', '--profile', 'ci', '--only', 'base,sfft,rl');
    expect(r.code).to.equal(1);
    expect(r.err.split('\n')).to.have.length(1);
    expect(r.err).to.equal(`gpt-lab stages: --only: no stage named 'sfft', 'rl'; the stages are: ${STAGES.join(', ')}`);
  });

  it('refuses a notebook that shows no stage, naming those that do', async () => {
    const r = await gptLab('stages', '--list', '--notebooks', '03');
    expect(r.code).to.equal(1);
    const books = [...new Set(PIPELINE.map((s) => s.notebook))];
    expect(r.err).to.equal(`gpt-lab stages: --notebooks: no stage is shown in notebook '03'; ` +
      `the notebooks with stages: ${books.join(', ')}`);
  });

  it('answers --help with every option and its default', async () => {
    const r = await gptLab('stages', '--help');
    expect(r.code).to.equal(0);
    const opts = ['--list', '--only STAGE,...', '--notebooks NN,...', '--profile', '--seed N', '--backend B', '--json'];
    for (const o of opts) expect(r.out).to.match(new RegExp(`^  ${o.replace(/[.|]/g, '\\$&')}`, 'm'));
    expect(r.out).to.include('examples:\n  gpt-lab stages --list');
  });
});

describe('gpt-lab stages: training and listing (ci profile)', function () {
  this.timeout(300_000);
  const runs = useTempRunsDir('gpt-lab-stages-cmd-');

  it('--list on an empty runs tree says missing for every stage, with its row of the table', async () => {
    const r = await gptLab('stages', '--list', '--json', '--profile', 'ci');
    type Row = { stage: string; from: string | null; notebook: string; dir: string; status: string };
    const rows = JSON.parse(r.out) as { profile: string; stages: Row[] };
    expect(rows.profile).to.equal('ci');
    expect(rows.stages.map((s) => s.stage)).to.deep.equal([...STAGES]);
    expect(rows.stages.every((s) => s.status === 'missing')).to.equal(true);
    const sft = { stage: 'sft', from: 'base', notebook: '04-sft', dir: path.join(runs.root(), 'ci', 'sft') };
    expect(rows.stages[2]).to.include(sft);
    expect(rows.stages[0].from).to.equal(null);
    const text = await gptLab('stages', '--list', '--profile', 'ci');
    expect(text.out.split('\n').filter((l) => / missing$/.test(l))).to.have.length(STAGES.length);
  });

  it('--only tokenizer,base trains both, then --list says finished for them and missing for the rest', async () => {
    const before = tf.memory().numTensors;
    const r = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--only', 'tokenizer,base');
    expect(r.code, r.err).to.equal(0);
    expect(tf.memory().numTensors, 'tensors left behind').to.equal(before);
    expect(r.out).to.match(/^tokenizer: trained a \d+-token chat BPE/m);
    expect(r.out).to.match(/^base: pretraining on the world's documents \(40 steps\)/m);
    expect(r.out).to.match(/^tokenizer +trained +\d/m);
    expect(r.out).to.match(/^base +trained +\d/m);
    expect(fs.existsSync(path.join(runs.root(), 'ci', 'tokenizer', 'tokenizer.json'))).to.equal(true);
    // the base's own state file, read here, says done: the listing agrees with it
    expect(readCheckpointState(stageDir('base', 'ci')).extra?.done).to.equal(true);
    const st = await statuses();
    expect(st).to.include({ tokenizer: 'finished', base: 'finished' });
    for (const s of STAGES.slice(2)) expect(st[s], s).to.equal('missing');
  });

  it('a second run loads both, trains nothing and leaves no tensor behind (--json: summary on stdout)', async () => {
    const stateFile = path.join(resolveCheckpointDir(stageDir('base', 'ci')), 'state.json');
    const baseState = fs.readFileSync(stateFile, 'utf8');
    const before = tf.memory().numTensors;
    const r = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--only', 'base,tokenizer', '--json');
    expect(r.code, r.err).to.equal(0);
    expect(tf.memory().numTensors, 'tensors left behind').to.equal(before);
    const out = JSON.parse(r.out) as { stages: { stage: string; result: string; seconds: number }[] };
    expect(out.stages.map((s) => [s.stage, s.result])).to.deep.equal([['tokenizer', 'loaded'], ['base', 'loaded']]);
    expect(r.err).to.include('base: loading the finished model');
    expect(fs.readFileSync(stateFile, 'utf8')).to.equal(baseState);
  });

  it('--seed N, or else GPTLAB_SEED as the notebooks read it, lists the runs/<profile>-seed<N> tree', async () => {
    const dirs = async (...argv: string[]) => {
      const r = await gptLab('stages', '--list', '--json', '--profile', 'ci', '--only', 'base', ...argv);
      expect(r.code, r.err).to.equal(0);
      return (JSON.parse(r.out) as { stages: { dir: string; status: string }[] }).stages.map((s) => [s.dir, s.status]);
    };
    expect(await dirs('--seed', '2')).to.deep.equal([[path.join(runs.root(), 'ci-seed2', 'base'), 'missing']]);
    const savedSeed = process.env.GPTLAB_SEED;
    process.env.GPTLAB_SEED = '3';
    try {
      expect(await dirs()).to.deep.equal([[path.join(runs.root(), 'ci-seed3', 'base'), 'missing']]);
      expect(await dirs('--seed', '2')).to.deep.equal([[path.join(runs.root(), 'ci-seed2', 'base'), 'missing']]);
    } finally {
      if (savedSeed === undefined) delete process.env.GPTLAB_SEED; else process.env.GPTLAB_SEED = savedSeed;
    }
  });

  it('with --seed, sft-tools starts from the profile\'s unseeded SFT model, as notebook 09 trains it', async () => {
    const r = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--seed', '4', '--only', 'sft-tools');
    expect(r.code, r.err).to.equal(0);
    // the unseeded sft was trained on the way; no seeded base or sft was made
    expect(readCheckpointState(stageDir('sft', 'ci')).extra?.done).to.equal(true);
    expect(fs.existsSync(stageDir('sft', 'ci', 4))).to.equal(false);
    expect(fs.existsSync(stageDir('base', 'ci', 4))).to.equal(false);
    const extra = readCheckpointState(stageDir('sft-tools', 'ci', 4)).extra as { from: string };
    expect(path.resolve(extra.from)).to.equal(resolveCheckpointDir(stageDir('sft', 'ci')));
    fs.rmSync(stageDir('sft', 'ci'), { recursive: true, force: true });
  });

  it('with --seed, think-verifier starts from the seeded think-sft, itself from the unseeded base; ' +
    'a rerun loads both', async () => {
    const args = ['stages', '--profile', 'ci', '--backend', 'wasm', '--seed', '5', '--only', 'think-sft,think-verifier',
      '--json'];
    const r = await gptLab(...args);
    expect(r.code, r.err).to.equal(0);
    const think = readCheckpointState(stageDir('think-sft', 'ci', 5)).extra as { from: string };
    expect(path.resolve(think.from)).to.equal(resolveCheckpointDir(stageDir('base', 'ci')));
    expect(fs.existsSync(stageDir('base', 'ci', 5))).to.equal(false);
    const again = await gptLab(...args);
    expect(again.code, again.err).to.equal(0);
    const out = JSON.parse(again.out) as { stages: { stage: string; result: string }[] };
    expect(out.stages.map((x) => x.result)).to.deep.equal(['loaded', 'loaded']);
  });

  it('--list says stale for a finished checkpoint whose recorded settings are not today\'s, ' +
    'finished once restored', async () => {
    const file = path.join(resolveCheckpointDir(stageDir('base', 'ci')), 'state.json');
    const saved = fs.readFileSync(file, 'utf8');
    const state = JSON.parse(saved) as { fingerprint?: { hash: string } };
    expect(state.fingerprint?.hash, 'the base records a fingerprint').to.match(/^[0-9a-f]{12}$/);
    expect((await statuses('--only', 'base')).base).to.equal('finished');
    state.fingerprint!.hash = '000000000000';
    fs.writeFileSync(file, JSON.stringify(state));
    try {
      expect((await statuses('--only', 'base')).base).to.equal('stale');
      // and getStage agrees: it refuses the stale checkpoint with the fix
      const r = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--only', 'base');
      expect(r.code).to.equal(1);
      expect(r.err).to.match(/settings changed since it was trained/);
    } finally {
      fs.writeFileSync(file, saved);
    }
    expect((await statuses('--only', 'base')).base).to.equal('finished');
    // the tokenizer too: its fingerprint lives in fingerprint.json beside tokenizer.json, and getStage checks it
    const tokFile = path.join(stageDir('tokenizer', 'ci'), 'fingerprint.json');
    const tokSaved = fs.readFileSync(tokFile, 'utf8');
    fs.writeFileSync(tokFile, JSON.stringify({ ...JSON.parse(tokSaved), hash: '000000000000' }));
    try {
      expect((await statuses('--only', 'tokenizer')).tokenizer).to.equal('stale');
      const r = await gptLab('stages', '--profile', 'ci', '--backend', 'wasm', '--only', 'tokenizer');
      expect(r.code).to.equal(1);
      expect(r.err).to.match(/tokenizer: .*settings changed since it was trained/);
    } finally {
      fs.writeFileSync(tokFile, tokSaved);
    }
    expect((await statuses('--only', 'tokenizer')).tokenizer).to.equal('finished');
    // the seeded think-verifier (from the seeded think-sft, itself from the unseeded base) is not stale either
    expect(await statuses('--seed', '5', '--only', 'think-sft,think-verifier'))
      .to.deep.equal({ 'think-sft': 'finished', 'think-verifier': 'finished' });
  });

  it('--list says unfinished for a checkpoint whose state does not say done', async () => {
    // a copy of the base's checkpoint, its state.json edited as an interrupted run leaves it
    const dir = stageDir('sft', 'ci');
    fs.cpSync(stageDir('base', 'ci'), dir, { recursive: true });
    const file = path.join(resolveCheckpointDir(dir), 'state.json');
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as { extra: Record<string, unknown> };
    state.extra.done = false;
    fs.writeFileSync(file, JSON.stringify(state));
    expect(stageStatus('sft', dir)).to.equal('unfinished');
    expect((await statuses('--only', 'sft')).sft).to.equal('unfinished');
    fs.rmSync(dir, { recursive: true, force: true });
    expect((await statuses('--only', 'sft')).sft).to.equal('missing');
  });
});
