// `gpt-lab sft`: fine-tunes a base model on the task world's conversations, with a progress bar,
// evaluations and checkpoints in the pretraining format (stage 'sft', chat tokenizer).
//
//   gpt-lab sft                                   the active profile's base (trained first if missing) → runs/<profile>/sft
//   gpt-lab sft --from runs/full/base --out out/sft --steps 300
//   gpt-lab sft --profile ci --eval 20            tiny sizes, then score 20 held-out questions per set
//   options: --from DIR, --out DIR, --steps N, --profile ci|full, --backend B, --force, --eval N
// A directory holding a finished SFT run is loaded, not trained again (--force trains anew); an
// unfinished one resumes.

import * as path from 'path';
import { stageArgs } from './stage-args';
import { checkOutputPath } from '../util/output-path';
import { parseArgs, intOption } from './args';
import { initBackend } from '../backend';
import { Progress } from '../progress';
import { assert } from '../util/assert';
import { stageDir } from '../stages';
import { paramCount } from '../model';
import { accuracyRows, compareModels, ensureSft, evalSets, StageOptions } from '../sft';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['from', 'out', 'steps', 'profile', 'backend', 'eval'], ['force']);
  const o = args.options;
  const { profile: prof, backend, steps } = stageArgs(args, 'sft');
  const out = checkOutputPath(o.out ?? stageDir('sft', prof), 'dir');
  if (o.from === undefined) checkOutputPath(path.dirname(stageDir('base', prof)), 'dir', 'the runs directory'); // the base goes there
  const choice = await initBackend({ backend, source: '--backend' });
  const evalN = intOption(args, 'eval', 0);
  assert(evalN >= 0, () => `--eval must be >= 0 (questions per held-out set), got ${evalN}`);

  let bar: Progress | undefined;
  let first = 0;
  let stageOut = out;
  const opts: StageOptions = {
    profile: prof, dir: out, from: o.from, force: o.force === 'true', steps,
    log: (line) => console.log(line),
    onStart: ({ stage, dir, steps: total, resumedFrom, model }) => {
      stageOut = dir;
      const c = model.config;
      console.log(`backend ${choice.name}; ${stage} model: ${paramCount(c).total.toLocaleString('en-US')} parameters (nLayer ${c.nLayer}, nHead ${c.nHead}, nEmbd ${c.nEmbd}, blockSize ${c.blockSize}, vocab ${c.vocabSize})`);
      bar?.done();
      first = resumedFrom;
      bar = new Progress(Math.max(0, total - resumedFrom), { label: resumedFrom > 0 ? `${stage} (from ${resumedFrom})` : stage, unit: 'step' });
    },
    onStep: (s) => bar?.update(s.step - first, { step: s.step, loss: s.loss, 'tok/s': Math.round(s.tokensPerSec), lr: s.lr.toExponential(1) }),
    onEval: (e) => console.error(`\nstep ${e.step}: train loss ${e.trainLoss.toFixed(4)}, val loss ${e.valLoss.toFixed(4)}; checkpoint saved to ${stageOut}`),
  };
  // With no --from, ensureSft trains the profile's base first if there is none: onStart opens a bar per stage.
  if (o.from === undefined) console.log(`no --from: starting from the ${prof} profile's base model in ${stageDir('base', prof)} (trained first if missing)`);
  const sft = await ensureSft(opts);
  bar?.done();
  const m = sft.state.metrics;
  console.log(`sft model at step ${sft.state.step}${m?.valLoss !== undefined ? `: train loss ${m.trainLoss?.toFixed(4)}, val loss ${m.valLoss.toFixed(4)}` : ''}; checkpoint in ${out}`);
  if (evalN > 0) {
    const cmp = compareModels({ sft }, evalSets(evalN, prof));
    for (const row of accuracyRows(cmp)) console.log(`${String(row.set).padEnd(20)} ${String(row.sft).padStart(5)}% of ${row.questions} held-out questions`);
  }
  sft.model.dispose();
  return 0;
}
