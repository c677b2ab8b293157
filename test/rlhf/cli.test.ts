// `gpt-lab rlhf` as a user runs it, on stand-in SFT and reward checkpoints (random-init tiny models
// saved in the stage format), so it takes seconds: PPO and DPO runs write finished checkpoints with
// their history, a rerun loads instead of training, --eval scores SFT and the policy, bad options
// are refused with the value named.

import { expect } from 'chai';
import * as path from 'path';
import { run } from '../../src/cli/rlhf';
import { GPT, makeConfig } from '../../src/model';
import { RewardModel } from '../../src/reward';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint';
import { GptLabError } from '../../src/util/assert';
import { useTempRunsDir } from '../helpers/runs-dir';

/** Runs the command with console.log captured; returns its exit code and the lines it printed. */
async function capture(argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => { lines.push(a.map(String).join(' ')); };
  try {
    return { code: await run(argv), lines };
  } finally {
    console.log = log;
  }
}

describe('gpt-lab rlhf', function () {
  this.timeout(120_000);
  const runs = useTempRunsDir('gpt-lab-rlhf-', 'cpu');
  let sftDir: string;
  let rmDir: string;

  before(() => { // after the helper's before(): the stand-in checkpoints go into the temporary runs tree
    sftDir = path.join(runs.root(), 'sft');
    rmDir = path.join(runs.root(), 'reward');
    const config = makeConfig('tiny', { vocabSize: 107, blockSize: 128, nLayer: 1 });
    const sft = new GPT(config);
    const extra = { tokenizer: 'chat-char' as const, data: 'world-small', seed: 1, config };
    saveCheckpoint(sftDir, { step: 1, ...extra, stage: 'sft', extra: { done: true } }, sft);
    const rm = RewardModel.fromTrunk(sft, 3);
    saveCheckpoint(rmDir, { step: 1, ...extra, stage: 'reward', extra: { done: true } }, rm.trunk, undefined, rm.headWeights());
    rm.dispose();
    sft.dispose();
  });

  it('runs PPO for the given steps, saves a finished rlhf checkpoint and scores held-out prompts', async () => {
    const out = path.join(runs.root(), 'ppo');
    const r = await capture(['--from', sftDir, '--reward', rmDir, '--out', out, '--steps', '2', '--beta', '0.1', '--profile', 'ci', '--backend', 'cpu', '--eval']);
    expect(r.code).to.equal(0);
    const state = loadCheckpoint(out).state;
    expect(state.stage).to.equal('rlhf');
    expect(state.tokenizer).to.equal('chat-char');
    expect(state.extra!.done).to.equal(true);
    expect(state.extra!.algo).to.equal('ppo');
    expect((state.extra!.history as unknown[]).length).to.equal(2);
    expect((state.train as { beta: number }).beta).to.equal(0.1);
    const text = r.lines.join('\n');
    expect(text).to.match(/rlhf: ppo from .* for 2 steps of 2x4 replies, β 0\.1/);
    expect(text).to.match(/step 2: reward -?\d+\.\d{3}, KL -?\d+\.\d{3}, true score \d+\.\d%/);
    expect(text).to.match(/held-out: 8 questions x 2 samples/);
    expect(text).to.match(/^sft +reward/m);
    expect(text).to.match(/^ppo +reward/m);
  });

  it('loads a finished run instead of training again, and refuses it for another beta', async () => {
    const out = path.join(runs.root(), 'ppo');
    const r = await capture(['--from', sftDir, '--reward', rmDir, '--out', out, '--beta', '0.1', '--profile', 'ci', '--backend', 'cpu']);
    expect(r.code).to.equal(0);
    expect(r.lines.join('\n')).to.match(/loading the finished policy/);
    // trained with β 0.1: the profile's β (0.05) is other settings, not this run
    await expectReject(run(['--from', sftDir, '--reward', rmDir, '--out', out, '--profile', 'ci', '--backend', 'cpu']),
      /^rlhf: the finished checkpoint in .*ppo is not loaded: its settings changed since it was trained \(beta\)/);
  });

  it('runs GRPO and DPO into their own directories', async () => {
    const grpo = path.join(runs.root(), 'grpo');
    expect((await capture(['--algo', 'grpo', '--from', sftDir, '--reward', rmDir, '--out', grpo, '--steps', '1', '--profile', 'ci', '--backend', 'cpu'])).code).to.equal(0);
    expect(loadCheckpoint(grpo).state.extra!.algo).to.equal('grpo');
    const dpo = path.join(runs.root(), 'dpo');
    const r = await capture(['--algo', 'dpo', '--from', sftDir, '--out', dpo, '--steps', '2', '--profile', 'ci', '--backend', 'cpu']);
    expect(r.code).to.equal(0);
    const state = loadCheckpoint(dpo).state;
    expect(state.stage).to.equal('dpo');
    expect((state.extra!.dpoHistory as unknown[]).length).to.equal(2);
    expect(r.lines.join('\n')).to.match(/step 2: loss \d\.\d{4}, pair accuracy \d+%/);
  });

  it('refuses an unknown algorithm, a negative beta and a missing reward checkpoint', async () => {
    await expectReject(run(['--algo', 'sac']), /--algo 'sac' is not known; use one of: ppo, grpo, dpo/);
    await expectReject(run(['--beta', '-1']), /--beta must be a number >= 0, got '-1'/);
    await expectReject(run(['--from', sftDir, '--reward', path.join(runs.root(), 'nope'), '--out', path.join(runs.root(), 'x'), '--profile', 'ci', '--backend', 'cpu']), /--reward .*nope does not exist/);
  });
});

async function expectReject(p: Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(GptLabError);
    expect((e as Error).message).to.match(pattern);
    return;
  }
  expect.fail(`expected a GptLabError matching ${pattern}`);
}
