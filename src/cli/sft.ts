// `gpt-lab sft`: fine-tunes a base model on the task world's conversations, with a progress bar,
// evaluations and checkpoints in the pretraining format (stage 'sft', the chat tokenizer's file inside).
//
//   gpt-lab sft                                   the active profile's base (trained first if missing)
//                                                 → runs/<profile>/sft
//   gpt-lab sft --from runs/full/base --out out/sft --steps 300
//   gpt-lab sft --profile ci --eval 20            tiny sizes, then score 20 held-out questions per set
//   gpt-lab sft --seed 2                          another seed, in runs/<profile>-seed2/
//   options: --from DIR, --out DIR, --steps N, --seed N, --profile ci|workshop|full, --backend B, --force, --eval N
// A directory holding a finished SFT run is loaded, not trained again (--force trains anew); an
// unfinished one resumes.

import * as path from 'path';
import { stageArgs } from './stage-args';
import { checkOutputPath } from '../util/output-path';
import { parseArgs, intOption } from './args';
import { initBackend } from '../backend';
import { Progress } from '../progress';
import { assert } from '../util/assert';
import { paramCount } from '../model';
import { getStage, stageDir, stageSettings, stageWorld } from '../pipeline';
import { TrainHooks } from '../train/world';
import { accuracyRows, compareModels, evalSets } from '../sft';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['from', 'out', 'steps', 'seed', 'profile', 'backend', 'eval'], ['force']);
  const o = args.options;
  const { profile: prof, backend, steps, seed } = stageArgs(args, 'sft');
  const out = checkOutputPath(o.out ?? stageDir('sft', prof, seed), 'dir');
  // the base goes there
  if (o.from === undefined) checkOutputPath(path.dirname(stageDir('base', prof, seed)), 'dir', 'the runs directory');
  const choice = await initBackend({ backend, source: '--backend' });
  const evalN = intOption(args, 'eval', 0);
  assert(evalN >= 0, () => `--eval must be >= 0 (questions per held-out set), got ${evalN}`);

  let bar: Progress | undefined;
  /** Progress for one training stage: a bar, and a line per evaluation. */
  const hooks = (stage: 'base' | 'sft', dir: string): TrainHooks => {
    let first = 0;
    return {
      onStart: ({ steps: total, resumedFrom, model }) => {
        const c = model.config;
        console.log(`backend ${choice.name}; ${stage} model: ` +
          `${paramCount(c).total.toLocaleString('en-US')} parameters ` +
          `(nLayer ${c.nLayer}, nHead ${c.nHead}, nEmbd ${c.nEmbd}, blockSize ${c.blockSize}, vocab ${c.vocabSize})`);
        first = resumedFrom;
        bar = new Progress(Math.max(0, total - resumedFrom),
          { label: resumedFrom > 0 ? `${stage} (from ${resumedFrom})` : stage, unit: 'step' });
      },
      onStep: (s) => bar?.update(s.step - first,
        { step: s.step, loss: s.loss, 'tok/s': Math.round(s.tokensPerSec), lr: s.lr.toExponential(1) }),
      onEval: (e) => console.error(`\nstep ${e.step}: train loss ${e.trainLoss.toFixed(4)}, ` +
        `val loss ${e.valLoss.toFixed(4)}; checkpoint saved to ${dir}`),
    };
  };
  const log = (line: string) => console.log(line);
  if (o.from === undefined) {
    // the pipeline's base first (loaded when finished), with its own progress bar
    const baseDir = stageDir('base', prof, seed);
    console.log(`no --from: starting from the ${prof} profile's base model in ${baseDir} (trained first if missing)`);
    const base = await getStage('base', { profile: prof, seed, log, ...hooks('base', baseDir) });
    bar?.done();
    base.model.dispose();
  }
  const sft = await getStage('sft', {
    profile: prof, dir: out, from: o.from, force: o.force === 'true', steps, seed, log, ...hooks('sft', out),
  });
  bar?.done();
  const m = sft.state.metrics;
  console.log(`sft model at step ${sft.state.step}` +
    `${m?.valLoss !== undefined ? `: train loss ${m.trainLoss?.toFixed(4)}, val loss ${m.valLoss.toFixed(4)}` : ''}` +
    `; checkpoint in ${out}`);
  if (evalN > 0) {
    const cmp = compareModels({ sft }, evalSets(evalN, stageWorld(), stageSettings(prof, seed).sft));
    for (const row of accuracyRows(cmp)) console.log(`${String(row.set).padEnd(20)} ${String(row.sft).padStart(5)}% ` +
      `of ${row.questions} held-out questions`);
  }
  sft.model.dispose();
  return 0;
}
