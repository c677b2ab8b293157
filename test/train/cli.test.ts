// `gpt-lab pretrain` and `gpt-lab sample` as a user runs them: a tiny preset for a few steps, a
// resume that continues from the checkpoint, then sampling from it.

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadCheckpoint } from '../../src/train/checkpoint';
import { mirrorDir, shakespeareText } from '../helpers/shakespeare';

const root = path.join(__dirname, '..', '..', '..'); // dist/test/train → the project

function cli(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, GPTLAB_MIRROR: mirrorDir() ?? process.env.GPTLAB_MIRROR ?? '' };
  delete env.GPTLAB_BACKEND;
  return spawnSync(process.execPath, [path.join(root, 'bin', 'gpt-lab.js'), ...args], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
}

describe('gpt-lab pretrain and sample', function () {
  let dir: string;
  before(async function () {
    await shakespeareText(this); // skips (or fails under CI) without Tiny Shakespeare
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-cli-'));
  });
  after(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('trains a tiny model, saving a checkpoint with its vocabulary', () => {
    const r = cli('pretrain', '--preset', 'tiny', '--steps', '6', '--eval-every', '3', '--backend', 'cpu', '--out', dir);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/model tiny: 7,760 parameters/);
    expect(r.stdout).to.match(/new run in/);
    expect(r.stdout).to.match(/step 6: train loss \d\.\d{4}, val loss \d\.\d{4}/);
    expect(r.stderr).to.match(/step 3: train loss/);
    const ckpt = loadCheckpoint(dir);
    expect(ckpt.state.step).to.equal(6);
    expect(ckpt.state.vocab!.chars).to.have.length(65);
  });

  it('resumes from the checkpoint when run again with more steps', () => {
    const r = cli('pretrain', '--preset', 'tiny', '--steps', '9', '--backend', 'cpu', '--out', dir);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/resuming from step 6/);
    expect(r.stdout).to.match(/step 9: /);
    expect(loadCheckpoint(dir).state.step).to.equal(9);
  });

  it('samples text that starts with the prompt, the same for the same seed', () => {
    const args = ['sample', '--checkpoint', dir, '--prompt', 'ROMEO:', '--max-tokens', '30', '--top-k', '20', '--temperature', '0.9', '--seed', '4', '--backend', 'cpu'];
    const a = cli(...args);
    expect(a.status, a.stderr).to.equal(0);
    expect(a.stdout.startsWith('ROMEO:')).to.equal(true);
    expect(a.stdout.length).to.equal('ROMEO:'.length + 30 + 1);
    expect(cli(...args).stdout).to.equal(a.stdout);
  });

  it('applies a lower --lr on resume, saying so in one line, and records it in the checkpoint', () => {
    const r = cli('pretrain', '--preset', 'tiny', '--steps', '12', '--lr', '5e-4', '--backend', 'cpu', '--out', dir);
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/resuming from step 9 .* lr 0\.0005 → 0\.00005/);
    expect(r.stdout).to.include('changed on resume, from step 9 on (recorded in the checkpoint): maxSteps 9 → 12, schedule.maxLr 0.001 → 0.0005, schedule.minLr 0.0001 → 0.00005');
    const state = loadCheckpoint(dir).state;
    expect(state.step).to.equal(12);
    expect((state.train as { schedule: { maxLr: number } }).schedule.maxLr).to.equal(5e-4);
  });

  it('refuses --batch-size and --seed that differ from the run being resumed, in one line, training nothing', () => {
    const r = cli('pretrain', '--preset', 'tiny', '--steps', '15', '--batch-size', '8', '--seed', '3', '--backend', 'cpu', '--out', dir);
    expect(r.status).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/^gpt-lab pretrain: batchSize \(--batch-size\) 8, seed \(--seed\) 3 cannot change when resuming from .*which holds batchSize 4, seed 1337/);
    expect(r.stderr).to.include('Drop them to resume, or use a new output directory');
    expect(loadCheckpoint(dir).state.step).to.equal(12);
  });

  it('fails clearly on a bad preset, a missing --out and a missing checkpoint', () => {
    const bad = cli('pretrain', '--preset', 'huge', '--out', dir);
    expect(bad.status).to.equal(1);
    expect(bad.stderr).to.match(/--preset='huge' is not a preset; valid names: tiny, baby, shakespeare-char/);
    expect(cli('pretrain', '--preset', 'tiny').stderr).to.match(/--out DIR is required/);
    expect(cli('sample', '--checkpoint', path.join(dir, 'nope')).stderr).to.match(/holds no checkpoint/);
  });
});
