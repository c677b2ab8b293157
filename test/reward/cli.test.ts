// `gpt-lab reward`: trains from --from into --out, then loads instead of retraining; bad options fail
// with a message that names them.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { GPT, makeConfig } from '../../src/model';
import { loadCheckpoint, saveCheckpoint } from '../../src/train';
import { RewardExtra } from '../../src/reward';
import { isFinished } from '../../src/pipeline';
import { run } from '../../src/cli/reward';
import { GptLabError } from '../../src/util/assert';

describe('gpt-lab reward', function () {
  let root: string;
  let sftDir: string;
  const logs: string[] = [];
  const { log, error } = console;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-reward-cli-'));
    sftDir = path.join(root, 'sft');
    const trunk = new GPT(makeConfig('tiny', { vocabSize: charTokenizer().vocabSize, blockSize: 64, seed: 3 }));
    saveCheckpoint(sftDir, { step: 1, config: trunk.config, seed: 1, tokenizer: 'chat-char', stage: 'sft', extra: { done: true } }, trunk);
    trunk.dispose();
  });
  beforeEach(() => {
    logs.length = 0;
    console.log = (...a: unknown[]) => { logs.push(a.join(' ')); };
    console.error = () => {};
  });
  afterEach(() => { Object.assign(console, { log, error }); });
  after(() => { fs.rmSync(root, { recursive: true, force: true }); });

  it('trains from --from into --out for --steps steps, and a second run loads it', async () => {
    const out = path.join(root, 'rm');
    expect(await run(['--from', sftDir, '--out', out, '--steps', '4', '--profile', 'ci', '--backend', 'wasm'])).to.equal(0);
    expect(isFinished(out, 'reward')).to.equal(true);
    const state = loadCheckpoint(out).state;
    expect(state.step).to.equal(4);
    const extra = state.extra as unknown as RewardExtra;
    expect(state.seed).to.equal(1337);
    expect(logs.join('\n')).to.include(`correlation with the labeler's score ${extra.labelerCorrelation.toFixed(3)}`);
    expect(logs.join('\n')).to.match(/held-out pairwise accuracy [\d.]+% before training → [\d.]+%/);

    logs.length = 0;
    expect(await run(['--from', sftDir, '--out', out, '--profile', 'ci', '--backend', 'wasm'])).to.equal(0);
    expect(logs.join('\n')).to.include('loading the finished reward model');
  });

  it('--seed seeds the run and is recorded in the checkpoint', async () => {
    const out = path.join(root, 'rm-seed5');
    expect(await run(['--from', sftDir, '--out', out, '--steps', '2', '--seed', '5', '--profile', 'ci', '--backend', 'wasm'])).to.equal(0);
    const state = loadCheckpoint(out).state;
    expect(state.seed).to.equal(5);
    expect((state.train as { seed: number }).seed).to.equal(5);
    expect((state.extra as { settings: { headSeed: number } }).settings.headSeed).to.equal(5);
  });

  it('rejects an unknown profile and a non-positive --steps, naming the value', async () => {
    let err: unknown;
    try { await run(['--profile', 'huge']); } catch (e) { err = e; }
    expect(err).to.be.instanceOf(GptLabError);
    expect((err as Error).message).to.include("--profile 'huge'");
    err = undefined;
    try { await run(['--from', sftDir, '--steps', '0', '--backend', 'wasm']); } catch (e) { err = e; }
    expect((err as Error).message).to.include('--steps must be a positive integer, got 0');
  });
});
