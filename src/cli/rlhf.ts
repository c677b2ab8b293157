// `gpt-lab rlhf`: fine-tunes the SFT model against the reward model (PPO or GRPO-style), or with
// DPO on the same comparisons, with a progress bar; saves the policy in the pretraining checkpoint
// format (stage 'rlhf' or 'dpo', chat tokenizer).
//
//   gpt-lab rlhf                                      PPO from the profile's SFT model against its
//                                                     on-policy reward model (runs/<profile>/reward-onpolicy)
//                                                     → runs/<profile>/rlhf
//   gpt-lab rlhf --algo grpo --beta 0 --out out/grpo-beta0 --force
//   gpt-lab rlhf --algo dpo                           DPO → runs/<profile>/dpo
//   gpt-lab rlhf --from runs/full/sft --reward runs/full/reward-onpolicy --out out/rlhf --steps 40 --eval
//   options: --from DIR, --out DIR, --reward DIR, --algo ppo|grpo|dpo, --steps N, --beta B, --lr LR,
//            --seed N, --profile ci|workshop|full, --backend B, --force, --eval (score SFT and the new policy
//            on held-out prompts)
// A directory holding a finished run is loaded, not trained again (--force trains anew); one trained
// with other settings (another --beta or --lr, or a changed profile) is refused, with the fix.

import * as path from 'path';
import { stageArgs } from './stage-args';
import { checkOutputPath } from '../util/output-path';
import { parseArgs } from './args';
import { initBackend } from '../backend';
import { Progress } from '../progress';
import { assert } from '../util/assert';
import { questionRanges } from '../data/world/splits';
import {
  getStage, GetStageOptions, loadRewardStage, loadStageModel, stageDir, stageSettings, stageWorld,
} from '../pipeline';
import { evaluatePolicy, rewardFnOf, PolicyEval } from '../rlhf';
import { rewardTokens } from '../reward/model';

const ALGOS = ['ppo', 'grpo', 'dpo'] as const;
type Algo = (typeof ALGOS)[number];

/** A non-negative number option, e.g. --beta 0.05. */
function numberOption(raw: string | undefined, name: string, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  assert(raw.trim() !== '' && Number.isFinite(n) && n >= min,
    () => `option --${name} must be a number >= ${min}, got '${raw}'`);
  return n;
}

/** One line of scores: formatEval('sft', e) → 'sft      reward -0.142  KL 0.000  true score 45.8%  ...' */
function formatEval(name: string, e: PolicyEval): string {
  return `${name.padEnd(8)} reward ${e.reward.toFixed(3).padStart(7)}  KL ${e.kl.toFixed(3).padStart(6)}  ` +
    `true score ${(100 * e.correct).toFixed(1).padStart(5)}%  ` +
    `labeler ${e.labeler.toFixed(3)}  distinct-2 ${e.distinct2.toFixed(3)}  length ${e.length.toFixed(1)}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['from', 'out', 'reward', 'algo', 'steps', 'seed', 'beta', 'lr', 'profile', 'backend'],
    ['force', 'eval']);
  const o = args.options;
  const { profile: prof, backend, steps, seed } = stageArgs(args, 'rlhf');
  const algo = (o.algo ?? 'ppo') as Algo;
  assert((ALGOS as readonly string[]).includes(algo),
    () => `--algo '${o.algo}' is not known; use one of: ${ALGOS.join(', ')}`);
  const beta = numberOption(o.beta, 'beta', 0);
  const lr = numberOption(o.lr, 'lr', Number.MIN_VALUE);
  assert(algo !== 'dpo' || beta === undefined || beta > 0,
    () => 'DPO needs --beta > 0 (it divides the implicit reward); 0.1 is usual');
  const out = checkOutputPath(o.out ?? stageDir(algo === 'dpo' ? 'dpo' : 'rlhf', prof, seed), 'dir');
  // Earlier stages, and the on-policy reward model, go to the runs directory when not given.
  const earlier = o.from === undefined || (algo !== 'dpo' && o.reward === undefined);
  if (earlier) checkOutputPath(path.dirname(stageDir('sft', prof, seed)), 'dir', 'the runs directory');
  const choice = await initBackend({ backend, source: '--backend' });

  let bar: Progress | undefined;
  // --steps goes as getStage's `steps` (a fresh run's length, not a setting a finished run is checked against)
  const overrides = { ...(beta !== undefined ? { beta } : {}), ...(lr !== undefined ? { lr } : {}) };
  const common = {
    profile: prof, dir: out, from: o.from, force: o.force === 'true', steps, seed,
    log: (line: string) => console.log(line),
  };
  const onStart = ({ steps: total }: { steps: number }) => {
    console.log(`backend ${choice.name}`);
    bar = new Progress(total, { label: algo === 'dpo' ? 'dpo' : `rlhf (${algo})`, unit: 'step' });
  };
  if (o.from === undefined) {
    console.log(`no --from: starting from the ${prof} profile's SFT model in ${stageDir('sft', prof, seed)} ` +
      '(trained first if missing)');
  }
  const rlOpts: GetStageOptions<'rlhf'> = {
    ...common, reward: o.reward, algo: algo === 'dpo' ? undefined : algo, rl: overrides, onStart,
    onStep: (s) => bar?.update(s.step, { reward: s.reward, kl: s.kl, true: s.correct, 'distinct-2': s.distinct2 }),
  };
  const dpoOpts: GetStageOptions<'dpo'> = {
    ...common, dpo: overrides, onStart,
    onStep: (s) => bar?.update(s.step, { loss: s.loss, acc: s.accuracy, margin: s.chosenReward - s.rejectedReward }),
  };
  const stage = algo === 'dpo' ? await getStage('dpo', dpoOpts) : await getStage('rlhf', rlOpts);
  bar?.done();
  const extra = stage.state.extra;
  const history = 'history' in extra ? extra.history : [];
  const dpoHistory = 'dpoHistory' in extra ? extra.dpoHistory : [];
  const last = history[history.length - 1];
  const lastDpo = dpoHistory[dpoHistory.length - 1];
  if (last !== undefined) {
    console.log(`step ${last.step}: reward ${last.reward.toFixed(3)}, KL ${last.kl.toFixed(3)}, ` +
      `true score ${(100 * last.correct).toFixed(1)}%, distinct-2 ${last.distinct2.toFixed(3)}`);
  }
  if (lastDpo !== undefined) {
    console.log(`step ${lastDpo.step}: loss ${lastDpo.loss.toFixed(4)}, ` +
      `pair accuracy ${(100 * lastDpo.accuracy).toFixed(0)}%, ` +
      `margin ${(lastDpo.chosenReward - lastDpo.rejectedReward).toFixed(3)}`);
  }
  console.log(`${stage.state.stage} policy at step ${stage.state.step}; checkpoint in ${out}`);

  if (o.eval === 'true') {
    const from = extra.from;
    const sft = loadStageModel(from);
    const rm = o.reward !== undefined
      ? loadRewardStage(o.reward)
      : await getStage('reward-onpolicy', { profile: prof, seed, from });
    const settings = stageSettings(prof, seed);
    const prompts = questionRanges(stageWorld(), settings.questions);
    const env = { tok: sft.tok, examples: prompts.train, reward: rewardFnOf(rm.rm, rewardTokens(sft.tok)) };
    const evalOpts = { samples: settings.rlhf.evalSamples, maxTokens: settings.rlhf.rl.maxTokens ?? 40, seed: 7 };
    console.log(`held-out: ${prompts.heldOut.length} questions x ${settings.rlhf.evalSamples} samples (temperature 1)`);
    console.log(formatEval('sft', evaluatePolicy(sft.model, sft.model, env, prompts.heldOut, evalOpts)));
    // a loaded run says what it was
    const label = stage.state.stage === 'dpo' ? 'dpo' : ('algo' in extra ? extra.algo : algo);
    console.log(formatEval(label, evaluatePolicy(stage.model, sft.model, env, prompts.heldOut, evalOpts)));
    sft.model.dispose();
    rm.rm.dispose();
  }
  stage.model.dispose();
  return 0;
}
