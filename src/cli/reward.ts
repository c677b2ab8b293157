// `gpt-lab reward`: trains a reward model on the labeler's comparisons, starting from an SFT
// checkpoint, with a progress bar, held-out pairwise accuracy as it trains, and a checkpoint in the
// pretraining format (stage 'reward', the head saved as 'reward.head.weight' / 'reward.head.bias').
//
//   gpt-lab reward                                  the active profile's SFT model (trained first if missing)
//                                                   → runs/<profile>/reward
//   gpt-lab reward --from runs/full/sft --out out/rm --steps 100
//   gpt-lab reward --profile ci                     tiny sizes, seconds
//   options: --from DIR, --out DIR, --steps N, --seed N, --profile ci|workshop|full, --backend B, --force
// A directory holding a finished reward model is loaded, not trained again (--force trains anew).

import * as path from 'path';
import { stageArgs } from './stage-args';
import { checkOutputPath } from '../util/output-path';
import { parseArgs } from './args';
import { initBackend } from '../backend';
import { Progress } from '../progress';
import { paramCount } from '../model';
import { getStage, stageDir } from '../pipeline';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['from', 'out', 'steps', 'seed', 'profile', 'backend'], ['force']);
  const o = args.options;
  const { profile: prof, backend, steps, seed } = stageArgs(args, 'reward');
  const out = checkOutputPath(o.out ?? stageDir('reward', prof, seed), 'dir');
  // base and SFT go there
  if (o.from === undefined) checkOutputPath(path.dirname(stageDir('sft', prof, seed)), 'dir', 'the runs directory');
  const choice = await initBackend({ backend, source: '--backend' });

  let bar: Progress | undefined;
  if (o.from === undefined) console.log(`no --from: starting from the ${prof} profile's SFT model ` +
    `in ${stageDir('sft', prof, seed)} (trained first if missing)`);
  const stage = await getStage('reward', {
    profile: prof, dir: out, from: o.from, force: o.force === 'true', steps, seed,
    log: (line) => console.log(line),
    onStart: ({ trainer, splits }) => {
      const c = trainer.rm.trunk.config;
      console.log(`backend ${choice.name}; reward model: ` +
        `${paramCount(c).total.toLocaleString('en-US')} trunk parameters + a ${c.nEmbd}+1 head ` +
        `(nLayer ${c.nLayer}, nEmbd ${c.nEmbd}, blockSize ${c.blockSize}); ` +
        `${splits.train.length} training and ${splits.heldOut.length} held-out comparisons`);
      bar = new Progress(trainer.config.maxSteps, { label: 'reward', unit: 'step' });
    },
    onStep: (s) => bar?.update(s.step, { loss: s.loss, lr: s.lr.toExponential(1) }),
    onEval: (e) => {
      bar?.update(e.step, { 'held-out acc': pct(e.heldOutAccuracy) });
      if (bar === undefined || e.step > 0) console.error(`\nstep ${e.step}: held-out pairwise accuracy ` +
        `${pct(e.heldOutAccuracy)}, loss ${e.heldOutLoss.toFixed(4)}; train accuracy ${pct(e.trainAccuracy)}`);
    },
  });
  bar?.done();
  const extra = stage.state.extra;
  const first = extra.evals[0];
  const last = extra.evals[extra.evals.length - 1];
  console.log(`reward model at step ${stage.state.step}: ` +
    `held-out pairwise accuracy ${pct(first.heldOutAccuracy)} before training → ${pct(last.heldOutAccuracy)}; ` +
    `correlation with the labeler's score ${extra.labelerCorrelation.toFixed(3)}; checkpoint in ${out}`);
  stage.rm.dispose();
  return 0;
}
