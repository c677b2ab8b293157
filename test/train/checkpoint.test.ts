// Checkpoints that people can rely on: one run per directory (a second one, in another process, fails at
// once; the lock of a killed run is taken over), saves that never leave latest.json on a missing folder
// and make their renames durable, leftovers of dead saves cleaned up, and damaged files refused by
// their sha256 (checked with coreutils' sha256sum) with a message that says "damaged".

import { expect } from 'chai';
import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend';
import { Rng } from '../../src/data/rng';
import { splitStream, streamFromIds } from '../../src/data/stream';
import {
  AdamW, loadCheckpoint, makeTrainConfig, readCheckpointFile, saveCheckpoint, Trainer, TrainData,
} from '../../src/train';
import { GptLabError } from '../../src/util/assert';
import { lockDir, LOCK_FILE } from '../../src/util/lock';
import { tinyModel } from '../model/helpers';

const CHILD = path.join(__dirname, 'checkpoint-child.js');
/** The fs module itself (the import above is a read-only view of it), to stand in for some of its functions. */
const realFs = require('fs') as Record<string, unknown>; // eslint-disable-line @typescript-eslint/no-require-imports

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-ckpt-'));
}

/** The children a test started; those still running at its end are killed. */
const children: ChildProcess[] = [];

/** A child process with its output collected, and a promise of its exit code. */
function child(...args: string[]): { proc: ChildProcess; out: () => string; err: () => string; exit: Promise<number> } {
  const proc = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { err += d; });
  const exit = new Promise<number>((resolve) =>
    proc.on('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : 1))));
  return { proc, out: () => out, err: () => err, exit };
}

async function until(what: string, cond: () => boolean, ms = 60000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function syntheticData(): TrainData {
  const rng = new Rng(5);
  return splitStream(streamFromIds(
    Array.from({ length: 3000 }, (_, i) => (rng.chance(0.1) ? rng.int(0, 11) : (i * 3) % 11)), 11), 0.9);
}

/** A pid that no process has now: that of a child that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

/** Overwrites the tensor data of a safetensors file (everything after its header) with one byte value. */
function fillData(file: string, byte: number): void {
  const b = fs.readFileSync(file);
  const start = 8 + Number(b.readBigUInt64LE(0));
  b.fill(byte, start);
  fs.writeFileSync(file, b);
}

/** Rewrites a step directory's state.json through f. */
function editState(step: string, f: (s: Record<string, unknown>) => void): void {
  const file = path.join(step, 'state.json');
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  f(s);
  fs.writeFileSync(file, JSON.stringify(s));
}

function saveTiny(
  dir: string, step = 1, files?: Record<string, string>,
): { step: string; model: ReturnType<typeof tinyModel> } {
  const model = tinyModel({ seed: 7 });
  const opt = new AdamW(model.params.byName);
  const saved = saveCheckpoint(dir, { step, config: model.config, seed: 1, files }, model, opt);
  opt.dispose();
  return { step: saved, model };
}

describe('checkpoint directory lock', function () {
  before(async () => { await initBackend({ backend: 'cpu' }); });
  afterEach(() => {
    for (const p of children.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  });

  it('refuses a second run on the same directory at once, naming it and the pid; ' +
    'the first run ends whole', async () => {
    const root = tmpDir();
    const dir = path.join(root, 'out');
    const a = child('train', dir, '8', '3'); // pauses at step 3, after its step-2 checkpoint
    await until('the first run to reach step 3', () => /step 3/.test(a.out()) || a.proc.exitCode !== null);
    const b = child('train', dir, '6');
    const codeB = await b.exit;
    expect(b.out(), 'the second run trained').to.equal('');
    expect(codeB, b.err()).to.equal(3);
    expect(b.err()).to.contain(dir).and.contain(`pid ${a.proc.pid}`).and.match(/in use by another gpt-lab run/);
    expect(b.err().trim().split('\n')).to.have.length(1);
    fs.writeFileSync(`${dir}.go`, '');
    expect(await a.exit, a.err()).to.equal(0);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['latest.json', 'step-000008']);
    expect(loadCheckpoint(dir).state.step).to.equal(8);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('takes over the lock of a run killed with kill -9, and releases its own', async () => {
    const dir = tmpDir();
    const holder = child('hold', dir);
    await until('the child to lock', () => holder.out().includes('locked'));
    const lock = JSON.parse(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8'));
    expect(lock).to.include({ pid: holder.proc.pid, host: os.hostname() });
    const model = tinyModel();
    const save = () => saveCheckpoint(dir, { step: 1, config: model.config, seed: 1 }, model);
    expect(save)
      .to.throw(GptLabError, new RegExp(`${dir} is in use by another gpt-lab run \\(pid ${holder.proc.pid} on`));
    expect(fs.readdirSync(dir)).to.deep.equal([LOCK_FILE]);
    holder.proc.kill('SIGKILL');
    await holder.exit;
    save();
    expect(loadCheckpoint(dir).state.step).to.equal(1);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['latest.json', 'step-000001']);
    // within one process too, a directory has one run at a time
    const mine = lockDir(dir);
    expect(() => lockDir(dir)).to.throw(GptLabError, /already in use by another run in this process/);
    mine.release();
    lockDir(dir).release();
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('never leaves latest.json on a deleted folder, even when saving its step again fails halfway', () => {
    const dir = tmpDir();
    const { model } = saveTiny(dir, 3);
    const rename = fs.renameSync;
    // a crash just before the new step directory is renamed into place
    realFs.renameSync = (from: fs.PathLike, to: fs.PathLike) => {
      if (path.basename(String(to)).startsWith('step-')) throw new Error('simulated crash');
      rename(from, to);
    };
    try {
      expect(() => saveTiny(dir, 3)).to.throw(/simulated crash/);
    } finally {
      realFs.renameSync = rename;
    }
    expect(loadCheckpoint(dir).state.step).to.equal(3);
    // and saving step 3 again for real replaces it: one step directory, which latest.json names
    const again = saveTiny(dir, 3);
    const entries = fs.readdirSync(dir).filter((e) => e.startsWith('step-'));
    expect(entries).to.deep.equal([path.basename(again.step)]);
    expect(loadCheckpoint(dir).dir).to.equal(again.step);
    for (const m of [model, again.model]) m.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('fsyncs the directory after renaming the step folder and after renaming latest.json', () => {
    const dir = tmpDir();
    const real = { openSync: fs.openSync, fsyncSync: fs.fsyncSync, renameSync: fs.renameSync };
    const fds = new Map<number, string>();
    const log: string[] = [];
    const f = realFs;
    f.openSync = (p: fs.PathLike, ...rest: unknown[]) => {
      const fd = (real.openSync as (...a: unknown[]) => number)(p, ...rest);
      fds.set(fd, path.resolve(String(p)));
      return fd;
    };
    f.fsyncSync = (fd: number) => { log.push(`fsync ${fds.get(fd)}`); real.fsyncSync(fd); };
    f.renameSync = (a: fs.PathLike, b: fs.PathLike) => {
      log.push(`rename ${path.basename(String(b))}`);
      real.renameSync(a, b);
    };
    let model;
    try {
      model = saveTiny(dir, 2).model;
    } finally {
      Object.assign(f, real);
    }
    const root = path.resolve(dir);
    const after = (name: string) => log[log.indexOf(`rename ${name}`) + 1];
    expect(after('step-000002')).to.equal(`fsync ${root}`);
    expect(after('latest.json')).to.equal(`fsync ${root}`);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("removes the temporary folders of dead processes' saves, and keeps those of live ones", () => {
    const dir = tmpDir();
    const dead = deadPid();
    for (const name of [`.step-000004.tmp-${dead}`, `.step-000005.tmp-${process.ppid}`]) {
      fs.mkdirSync(path.join(dir, name));
      fs.writeFileSync(path.join(dir, name, 'model.safetensors'), 'half');
    }
    fs.writeFileSync(path.join(dir, `.latest.json.tmp-${dead}`), '{"dir": "step-0');
    const { model } = saveTiny(dir, 6);
    expect(fs.readdirSync(dir).sort())
      .to.deep.equal([`.step-000005.tmp-${process.ppid}`, 'latest.json', 'step-000006']);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('checkpoint integrity', function () {
  const data = syntheticData();
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('records the sha256 of every file it writes, extra files included', () => {
    const dir = tmpDir();
    const { step, model } = saveTiny(dir, 1, { 'tokenizer.json': '{"merges": []}\n' });
    const state = JSON.parse(fs.readFileSync(path.join(step, 'state.json'), 'utf8'));
    const sums = execFileSync('sha256sum', ['model.safetensors', 'optimizer.safetensors', 'tokenizer.json'],
      { cwd: step, encoding: 'utf8' });
    const want = Object.fromEntries(sums.trim().split('\n').map((l) => l.split(/\s+/)).map(([h, f]) => [f, h]));
    expect(state.sha256).to.deep.equal(want);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses weights overwritten with 0xFF, a flipped byte in the moments and an edited extra file, ' +
    'naming the file', () => {
    const dir = tmpDir();
    const { step, model } = saveTiny(dir, 1, { 'tokenizer.json': '{"merges": []}\n' });
    const weights = path.join(step, 'model.safetensors');
    const good = fs.readFileSync(weights);
    fillData(weights, 0xff);
    expect(() => loadCheckpoint(dir))
      .to.throw(GptLabError, new RegExp(`${weights} is damaged: its sha256 .*The checkpoint is damaged`));
    fs.writeFileSync(weights, good);
    const moments = path.join(step, 'optimizer.safetensors');
    const m = fs.readFileSync(moments);
    m[m.length - 1] ^= 0x01;
    fs.writeFileSync(moments, m);
    expect(() => loadCheckpoint(dir)).to.throw(GptLabError, /optimizer.safetensors is damaged/);
    m[m.length - 1] ^= 0x01;
    fs.writeFileSync(moments, m);
    expect(loadCheckpoint(dir).state.step).to.equal(1);
    fs.writeFileSync(path.join(step, 'tokenizer.json'), '{"merges": [[1, 2]]}\n');
    expect(() => readCheckpointFile(dir, 'tokenizer.json')).to.throw(GptLabError, /tokenizer.json is damaged/);
    fs.rmSync(path.join(step, 'tokenizer.json'));
    expect(() => readCheckpointFile(dir, 'tokenizer.json')).to.throw(GptLabError, /tokenizer.json is missing/);
    expect(readCheckpointFile(dir, 'other.json')).to.equal(undefined);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('still loads an old checkpoint without checksums, and refuses NaN weights in it as damaged', () => {
    const dir = tmpDir();
    const { step, model } = saveTiny(dir, 1);
    editState(step, (s) => { delete s.sha256; });
    const ckpt = loadCheckpoint(dir);
    expect([...ckpt.weights.get('transformer.wte.weight')!.data]).to.deep.equal([...model.params.wte.dataSync()]);
    fillData(path.join(step, 'model.safetensors'), 0xff);
    expect(() => loadCheckpoint(dir))
      .to.throw(GptLabError, /model.safetensors: .* is NaN; .*the checkpoint is damaged/);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says the checkpoint is damaged, not the learning rate, when the first loss after loading ' +
    'is not finite', async () => {
    const dir = tmpDir();
    const cfg = makeTrainConfig({ batchSize: 4, maxSteps: 6, evalEvery: 2, evalIters: 1, logEvery: 5,
      schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 2, decaySteps: 6 } });
    const first = new Trainer(tinyModel(), data, cfg);
    await first.run({ untilStep: 2, checkpointDir: dir });
    const step = path.join(dir, 'step-000002');
    // an old checkpoint (no checksums) whose weights were overwritten with 0x7F: 3.4e38, finite but overflowing
    editState(step, (s) => { delete s.sha256; });
    fillData(path.join(step, 'model.safetensors'), 0x7f);
    const ckpt = loadCheckpoint(dir);
    const resumed = new Trainer(tinyModel(), data, cfg);
    resumed.restore(ckpt);
    let err: Error | undefined;
    await resumed.run({ checkpointDir: dir }).catch((e) => { err = e; });
    expect(err).to.be.instanceOf(GptLabError);
    expect(err!.message).to.match(new RegExp('training loss is already NaN at the first step after loading ' +
      `the checkpoint ${step} \\(step 2\\).*damaged`));
    expect(err!.message).not.to.match(/lower the learning rate|last good/i);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(['latest.json', 'step-000002']); // lock released, nothing saved
    for (const t of [first, resumed]) { t.optimizer.dispose(); t.model.dispose(); }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('makes `gpt-lab sample` fail in one line on weights overwritten with 0xFF, instead of printing garbage', () => {
    const dir = tmpDir();
    const model = tinyModel();
    const step = saveCheckpoint(dir,
      { step: 1, config: model.config, seed: 1, vocab: { chars: 'abcdefghijk'.split('') } }, model);
    fillData(path.join(step, 'model.safetensors'), 0xff);
    const cli = path.join(__dirname, '..', '..', '..', 'bin', 'gpt-lab.js');
    const r = spawnSync(process.execPath,
      [cli, 'sample', '--checkpoint', dir, '--prompt', 'abc', '--max-tokens', '5', '--backend', 'cpu'],
      { encoding: 'utf8' });
    expect(r.status, r.stdout).to.equal(1);
    expect(r.stdout).to.equal('');
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.match(/model.safetensors is damaged/);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("explains a state.json without 'config' or with a bad step instead of a TypeError", () => {
    const dir = tmpDir();
    const { step, model } = saveTiny(dir, 1);
    editState(step, (s) => { delete s.config; });
    expect(() => loadCheckpoint(dir))
      .to.throw(GptLabError, /state.json has no model config \('config' is undefined\); the checkpoint is damaged/);
    editState(step, (s) => { s.config = model.config; s.step = 'x'; });
    expect(() => loadCheckpoint(dir)).to.throw(GptLabError, /state.json has step "x", not a step count/);
    model.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
