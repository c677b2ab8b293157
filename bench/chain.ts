// The chain of notebooks 04 → 05 → 06 as the pipeline trains it, timed stage by stage, per profile:
// every stage from nothing in a fresh runs directory (tokenizer, base, sft; reward; the on-policy
// reward model, PPO, GRPO, PPO with β = 0, DPO, the practice reward model and its RL run, and the
// labeler-paid control run), then the total. The reference in the same run is one training step of
// nanoGPT's CPU baby GPT (batch 12 x 64 characters), timed before and after each profile: the chain's
// seconds divided by it are the chain's length in baby steps, which holds better on a busy machine than
// seconds do (when the load does not change much during the run). On the 2-core machine of these notes the
// baby step took 0.22-0.24 s at a load average of about 1.
//
//   npm run bench -- chain                          # workshop, then full (~15 min on a 2-core CPU)
//   npm run bench -- chain --profiles workshop      # one profile
//
// Left out: the notebooks' own cells (plots, evaluations: a few seconds each), a GPU.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend';
import { Profile } from '../src/profile';
import { GPT, makeConfig } from '../src/model';
import { makeTrainConfig, Trainer } from '../src/train/trainer';
import { getStage, stageDir, stageSettings, stageWorld } from '../src/pipeline';
import { practiceRanges, questionRanges } from '../src/data/world/splits';
import { labelerRewardFn, makeRlConfig, rewardFnOf, trainRl } from '../src/rlhf';
import { rewardTokens } from '../src/reward/model';

export interface ChainBenchOptions {
  profiles?: Profile[];
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Seconds of fn. */
async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return Math.round((performance.now() - start) / 100) / 10;
}

/** Trains every stage of notebooks 04-06 for one profile in a fresh runs directory; seconds per stage. */
async function chain(prof: Profile): Promise<Record<string, number>> {
  const s = stageSettings(prof);
  const o = { profile: prof, log: (line: string) => console.error(`  ${line}`) };
  const t: Record<string, number> = {};
  const free = (m: { dispose(): void }) => m.dispose();
  t.tokenizer = await timed(async () => { await getStage('tokenizer', o); });
  t.base = await timed(async () => free((await getStage('base', o)).model));
  t.sft = await timed(async () => free((await getStage('sft', o)).model));
  t['04 (tokenizer + base + sft)'] = t.tokenizer + t.base + t.sft;
  t.reward = await timed(async () => free((await getStage('reward', o)).rm));
  t['reward-onpolicy'] = await timed(async () => free((await getStage('reward-onpolicy', o)).rm));
  t.ppo = await timed(async () => free((await getStage('rlhf', o)).model));
  t.grpo = await timed(async () => free((await getStage('rlhf', { ...o, algo: 'grpo', dir: `${stageDir('rlhf', prof)}-grpo` })).model));
  t['ppo β=0'] = await timed(async () => free((await getStage('rlhf', { ...o, rl: { beta: 0 }, dir: `${stageDir('rlhf', prof)}-beta0` })).model));
  t.dpo = await timed(async () => free((await getStage('dpo', o)).model));
  t['reward-practice'] = await timed(async () => free((await getStage('reward-practice', o)).rm));
  t['practice RL'] = await timed(async () => {
    const sft = await getStage('sft', o);
    const policy = await getStage('sft', o);
    const rm = await getStage('reward-practice', o);
    const q = practiceRanges(stageWorld(), s.practice.questions, s.practice.rewardHeldOut, s.questions).train;
    await trainRl(policy.model, sft.model, { tok: sft.tok, examples: q, reward: rewardFnOf(rm.rm, rewardTokens(sft.tok)) }, makeRlConfig('grpo', s.practice.rl));
    [sft.model, policy.model, rm.rm].forEach(free);
  });
  t['control RL'] = await timed(async () => {
    const sft = await getStage('sft', o);
    const policy = await getStage('sft', o);
    const q = questionRanges(stageWorld(), s.questions).train.slice(0, s.practice.questions);
    const rl = makeRlConfig('grpo', { ...s.practice.rl, promptsPerStep: q.length, beta: 0 });
    await trainRl(policy.model, sft.model, { tok: sft.tok, examples: q, reward: labelerRewardFn(q) }, rl);
    [sft.model, policy.model].forEach(free);
  });
  t['05 (reward)'] = t.reward;
  t['06 (on-policy and practice reward models, RL, DPO)'] = ['reward-onpolicy', 'ppo', 'grpo', 'ppo β=0', 'dpo', 'reward-practice', 'practice RL', 'control RL']
    .reduce((a, k) => a + t[k], 0);
  t.total = t['04 (tokenizer + base + sft)'] + t['05 (reward)'] + t['06 (on-policy and practice reward models, RL, DPO)'];
  for (const k of Object.keys(t)) t[k] = Math.round(t[k] * 10) / 10;
  return t;
}

/** Seconds of nanoGPT's baby GPT training step on this backend now (a random stream of 65 ids), median of 5 after 2 warm-ups. */
export function babyStepSeconds(): number {
  const tokens = new Uint16Array(50_000).map((_, i) => (i * 7919) % 65);
  const stream = { tokens, docStarts: new Uint32Array([0]), firstDoc: 0, vocabSize: 65 };
  const model = new GPT(makeConfig('baby', { vocabSize: 65 }));
  const trainer = new Trainer(model, { train: stream, val: stream }, makeTrainConfig({ batchSize: 12, maxSteps: 100, evalEvery: 0, evalIters: 1 }));
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    const r = trainer.trainStep();
    r.loss.dataSync();
    tf.dispose([r.loss, r.gradNorm]);
    if (i >= 2) times.push((performance.now() - start) / 1000);
  }
  trainer.optimizer.dispose();
  model.dispose();
  return times.sort((a, b) => a - b)[2];
}

/** Runs the chain for each profile in its own temporary runs directory (removed afterwards). */
export async function runChainBench(opts: ChainBenchOptions = {}): Promise<Record<string, unknown>> {
  const backend = await initBackend();
  const saved = process.env.GPTLAB_RUNS_DIR;
  const out: Record<string, unknown> = { backend: backend.name, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100) };
  for (const prof of opts.profiles ?? ['workshop', 'full']) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), `gpt-lab-chain-${prof}-`));
    process.env.GPTLAB_RUNS_DIR = root;
    try {
      const before = babyStepSeconds();
      console.error(`chain: ${prof} (reference: baby step ${before.toFixed(3)} s)…`);
      const tensors = tf.memory().numTensors;
      const seconds = await chain(prof);
      const after = babyStepSeconds();
      const ref = (before + after) / 2;
      out[prof] = {
        seconds, babyStepSeconds: { before: round(before), after: round(after) },
        inBabySteps: Object.fromEntries(Object.entries(seconds).map(([k, v]) => [k, Math.round(v / ref)])),
        tensorsLeft: tf.memory().numTensors - tensors,
      };
    } finally {
      if (saved === undefined) delete process.env.GPTLAB_RUNS_DIR;
      else process.env.GPTLAB_RUNS_DIR = saved;
      fs.rmSync(root, { recursive: true, force: true });
    }
  }
  out.loadavgAfter = os.loadavg().map((x) => Math.round(x * 100) / 100);
  return out;
}
