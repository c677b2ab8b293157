// `gpt-lab rlhf`: fine-tunes the SFT model against the reward model (PPO or GRPO-style), or with
// DPO on the same comparisons, with a progress bar; saves the policy in the pretraining checkpoint
// format (stage 'rlhf' or 'dpo', chat tokenizer).
//
//   gpt-lab rlhf                                      PPO from the profile's SFT model against its on-policy reward model (runs/<profile>/reward-onpolicy) → runs/<profile>/rlhf
//   gpt-lab rlhf --algo grpo --beta 0 --out out/grpo-beta0 --force
//   gpt-lab rlhf --algo dpo                           DPO → runs/<profile>/dpo
//   gpt-lab rlhf --from runs/full/sft --reward runs/full/reward-onpolicy --out out/rlhf --steps 40 --eval
//   options: --from DIR, --out DIR, --reward DIR, --algo ppo|grpo|dpo, --steps N, --beta B, --lr LR,
//            --profile ci|full, --backend B, --force, --eval (score SFT and the new policy on held-out prompts)
// A directory holding a finished run is loaded, not trained again (--force trains anew).

import * as path from 'path';
import { stageArgs } from './stage-args';
import { checkOutputPath } from '../util/output-path';
import { parseArgs } from './args';
import { initBackend } from '../backend';
import { Progress } from '../progress';
import { assert } from '../util/assert';
import { stageDir } from '../stages';
import { ensureSft, loadStageModel } from '../sft';
import { loadRewardModel } from '../reward';
import { ensureOnPolicyReward } from '../reward/onpolicy';
import { ensureDpo, ensureRlhf, evaluatePolicy, rewardFnOf, rlhfPrompts, rlhfSettings, RlhfStage, RlhfStageOptions, PolicyEval } from '../rlhf';

const ALGOS = ['ppo', 'grpo', 'dpo'] as const;
type Algo = (typeof ALGOS)[number];

/** A non-negative number option, e.g. --beta 0.05. */
function numberOption(raw: string | undefined, name: string, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  assert(raw.trim() !== '' && Number.isFinite(n) && n >= min, () => `option --${name} must be a number >= ${min}, got '${raw}'`);
  return n;
}

/** One line of scores: formatEval('sft', e) → 'sft      reward -0.142  KL 0.000  true score 45.8%  ...' */
function formatEval(name: string, e: PolicyEval): string {
  return `${name.padEnd(8)} reward ${e.reward.toFixed(3).padStart(7)}  KL ${e.kl.toFixed(3).padStart(6)}  true score ${(100 * e.correct).toFixed(1).padStart(5)}%  ` +
    `labeler ${e.labeler.toFixed(3)}  distinct-2 ${e.distinct2.toFixed(3)}  length ${e.length.toFixed(1)}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['from', 'out', 'reward', 'algo', 'steps', 'beta', 'lr', 'profile', 'backend'], ['force', 'eval']);
  const o = args.options;
  const { profile: prof, backend, steps } = stageArgs(args, 'rlhf');
  const algo = (o.algo ?? 'ppo') as Algo;
  assert((ALGOS as readonly string[]).includes(algo), () => `--algo '${o.algo}' is not known; use one of: ${ALGOS.join(', ')}`);
  const beta = numberOption(o.beta, 'beta', 0);
  const lr = numberOption(o.lr, 'lr', Number.MIN_VALUE);
  assert(algo !== 'dpo' || beta === undefined || beta > 0, () => 'DPO needs --beta > 0 (it divides the implicit reward); 0.1 is usual');
  const out = checkOutputPath(o.out ?? stageDir(algo === 'dpo' ? 'dpo' : 'rlhf', prof), 'dir');
  // Earlier stages, and the on-policy reward model, go to the runs directory when not given.
  const earlier = o.from === undefined || (algo !== 'dpo' && o.reward === undefined);
  if (earlier) checkOutputPath(path.dirname(stageDir('sft', prof)), 'dir', 'the runs directory');
  const choice = await initBackend({ backend, source: '--backend' });

  let bar: Progress | undefined;
  const overrides = { ...(steps !== undefined ? { steps } : {}), ...(beta !== undefined ? { beta } : {}), ...(lr !== undefined ? { lr } : {}) };
  const opts: RlhfStageOptions = {
    profile: prof, dir: out, from: o.from, reward: o.reward, force: o.force === 'true',
    algo: algo === 'dpo' ? undefined : algo, rl: overrides, dpo: overrides,
    log: (line) => console.log(line),
    onStart: ({ stage, steps: total }) => {
      console.log(`backend ${choice.name}`);
      bar = new Progress(total, { label: stage === 'dpo' ? 'dpo' : `rlhf (${algo})`, unit: 'step' });
    },
    onStep: (s) => bar?.update(s.step, { reward: s.reward, kl: s.kl, true: s.correct, 'distinct-2': s.distinct2 }),
    onDpoStep: (s) => bar?.update(s.step, { loss: s.loss, acc: s.accuracy, margin: s.chosenReward - s.rejectedReward }),
  };
  if (o.from === undefined) console.log(`no --from: starting from the ${prof} profile's SFT model in ${stageDir('sft', prof)} (trained first if missing)`);
  const stage: RlhfStage = algo === 'dpo' ? await ensureDpo(opts) : await ensureRlhf(opts);
  bar?.done();
  const last = stage.history[stage.history.length - 1];
  const lastDpo = stage.dpoHistory[stage.dpoHistory.length - 1];
  if (last !== undefined) console.log(`step ${last.step}: reward ${last.reward.toFixed(3)}, KL ${last.kl.toFixed(3)}, true score ${(100 * last.correct).toFixed(1)}%, distinct-2 ${last.distinct2.toFixed(3)}`);
  if (lastDpo !== undefined) console.log(`step ${lastDpo.step}: loss ${lastDpo.loss.toFixed(4)}, pair accuracy ${(100 * lastDpo.accuracy).toFixed(0)}%, margin ${(lastDpo.chosenReward - lastDpo.rejectedReward).toFixed(3)}`);
  console.log(`${stage.state.stage} policy at step ${stage.state.step}; checkpoint in ${out}`);

  if (o.eval === 'true') {
    const sftDir = (stage.state.extra?.from as string | undefined) ?? o.from;
    const sft = sftDir !== undefined ? loadStageModel(sftDir) : await ensureSft({ profile: prof });
    const rm = o.reward !== undefined ? loadRewardModel(o.reward) : (await ensureOnPolicyReward({ profile: prof })).rm;
    const settings = rlhfSettings(prof);
    const prompts = rlhfPrompts(settings);
    const env = { tok: sft.tok, examples: prompts.train, reward: rewardFnOf(rm) };
    const evalOpts = { samples: settings.evalSamples, maxTokens: settings.rl.maxTokens ?? 40, seed: 7 };
    console.log(`held-out: ${prompts.heldOut.length} questions x ${settings.evalSamples} samples (temperature 1)`);
    console.log(formatEval('sft', evaluatePolicy(sft.model, sft.model, env, prompts.heldOut, evalOpts)));
    const label = stage.state.stage === 'dpo' ? 'dpo' : String(stage.state.extra?.algo ?? algo);  // a loaded run says what it was
    console.log(formatEval(label, evaluatePolicy(stage.model, sft.model, env, prompts.heldOut, evalOpts)));
    sft.model.dispose();
    rm.dispose();
  }
  stage.model.dispose();
  return 0;
}
