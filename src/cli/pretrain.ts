// `gpt-lab pretrain`: trains a char-level GPT on Tiny Shakespeare, with a progress bar, evaluations and
// checkpoints; run it again with the same --out to resume.
//
//   gpt-lab pretrain --preset baby --out out/baby                 nanoGPT's CPU baby GPT, 2000 steps
//   gpt-lab pretrain --preset tiny --steps 20 --out /tmp/tiny       seconds, for a smoke test
//   gpt-lab pretrain --preset baby --out out/baby --lr 5e-4        resume with a lower learning rate
// Options and defaults: `gpt-lab pretrain --help` (src/cli/usage.ts). On resume --steps, --lr,
// --eval-every, --eval-iters and --log-every apply from the resumed step (said in one line, recorded in
// the checkpoint); a different --batch-size or --seed is refused (src/train/pretrain.ts).
// Left out: distributed training; fine-tuning (later stages have their own commands).

import { parseArgs, intOption } from './args';
import { initBackend, parseBackendName } from '../backend';
import { Progress } from '../progress';
import { assert } from '../util/assert';
import { checkOutputPath } from '../util/output-path';
import { parsePresetName, paramCount, flopsPerToken } from '../model';
import { describeChanges, pretrain, PRETRAIN_DATASETS, PretrainDataset, TrainConfig } from '../train';

/** A positive number option, e.g. --lr 1e-3. */
function numberOption(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  assert(raw.trim() !== '' && Number.isFinite(n) && n > 0,
    () => `option --${name} must be a positive number, got '${raw}'`);
  return n;
}

/** FLOPs with a unit: formatFlops(4.9e6) → '4.90 MFLOPs'. */
function formatFlops(n: number): string {
  const [div, unit] = n >= 1e9 ? [1e9, 'GFLOPs'] : n >= 1e6 ? [1e6, 'MFLOPs'] : [1e3, 'kFLOPs'];
  return `${(n / div).toFixed(2)} ${unit}`;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv,
    ['preset', 'backend', 'steps', 'data', 'out', 'batch-size', 'lr', 'eval-every', 'eval-iters', 'log-every', 'seed']);
  const o = args.options;
  assert(args.positional.length === 0,
    () => `gpt-lab pretrain takes no positional arguments (got '${args.positional.join(' ')}'); ` +
      `see gpt-lab pretrain --help`);
  assert(o.preset !== undefined, () => 'option --preset is required (tiny, baby or shakespeare-char)');
  assert(o.out !== undefined, () => 'option --out DIR is required: checkpoints go there, and a run resumes from it');
  const preset = parsePresetName(o.preset, '--preset');
  const data = (o.data ?? 'shakespeare-char') as PretrainDataset;
  assert((PRETRAIN_DATASETS as readonly string[]).includes(data),
    () => `--data '${o.data}' is not known; use one of: ${PRETRAIN_DATASETS.join(', ')}`);
  const backend = o.backend === undefined ? undefined : parseBackendName(o.backend, '--backend');
  const overrides: Partial<TrainConfig> = {};
  if (o['batch-size'] !== undefined) overrides.batchSize = intOption(args, 'batch-size', undefined, 1);
  if (o['eval-every'] !== undefined) overrides.evalEvery = intOption(args, 'eval-every', undefined, 0);
  if (o['eval-iters'] !== undefined) overrides.evalIters = intOption(args, 'eval-iters', undefined, 1);
  if (o['log-every'] !== undefined) overrides.logEvery = intOption(args, 'log-every', undefined, 1);
  if (o.seed !== undefined) overrides.seed = intOption(args, 'seed', undefined, 0);
  const lr = numberOption(o.lr, 'lr');
  const steps = o.steps === undefined ? undefined : intOption(args, 'steps', undefined, 1);
  checkOutputPath(o.out, 'dir');
  const choice = await initBackend({ backend, source: '--backend' });
  let startStep = 0;

  let bar: Progress | undefined;
  const result = await pretrain({
    preset, data, steps, out: o.out, lr, train: overrides,
    onStart: ({ model, trainer, resumedFrom, changes }) => {
      const c = model.config;
      const t = trainer.config;
      console.log(`backend ${choice.name}; model ${preset}: ` +
        `${paramCount(c).total.toLocaleString('en-US')} parameters ` +
        `(nLayer ${c.nLayer}, nHead ${c.nHead}, nEmbd ${c.nEmbd}, blockSize ${c.blockSize}, vocab ${c.vocabSize}), ` +
        `${formatFlops(flopsPerToken(c).train)} per training token`);
      console.log(`${resumedFrom > 0 ? `resuming from step ${resumedFrom} in ${o.out}` : `new run in ${o.out}`}: ` +
        `${t.maxSteps} steps of ${t.batchSize}x${t.gradAccumSteps} rows, ` +
        `lr ${t.schedule.maxLr} → ${t.schedule.minLr}, evaluating every ${t.evalEvery}`);
      const changed = describeChanges(changes);
      if (changes.length > 0) console.log(`changed on resume, from step ${resumedFrom} on ` +
        `(recorded in the checkpoint): ${changed}`);
      const left = Math.max(0, t.maxSteps - resumedFrom);
      bar = new Progress(left,
        { label: resumedFrom > 0 ? `pretrain (from ${resumedFrom})` : 'pretrain', unit: 'step' });
      startStep = resumedFrom;
    },
    onStep: (s) => {
      bar?.update(s.step - startStep,
        { step: s.step, loss: s.loss, 'tok/s': Math.round(s.tokensPerSec), lr: s.lr.toExponential(1) });
    },
    onEval: (e) => {
      console.error(`\nstep ${e.step}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)}; ` +
        `checkpoint saved to ${o.out}`);
    },
  });
  bar?.done();
  console.log(`step ${result.trainer.step}: train loss ${result.last.trainLoss.toFixed(4)}, ` +
    `val loss ${result.last.valLoss.toFixed(4)}; checkpoint in ${o.out}`);
  result.trainer.optimizer.dispose();
  result.model.dispose();
  return 0;
}
