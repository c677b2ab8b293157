// Pretraining quality and speed: nanoGPT's baby GPT on char-level Tiny Shakespeare (4 layers, 4 heads,
// 128 dims, block 64, batch 12, 2000 steps, lr 1e-3 → 1e-4, dropout 0). nanoGPT's published
// validation loss for this run is 1.88; ours should be at most that. After our run, the same math in
// PyTorch (bench/torch_pretrain.py, when a Python with torch is found) runs for a few seeds, so the
// report shows how much of any gap the seed alone explains.
//
//   node dist/bench/pretrain.js                             # the full 2000 steps (about 5 min on wasm, 2 threads)
//   node dist/bench/pretrain.js --steps 20 --backend cpu --eval-iters 1   # speed only: ms/step, tokens/s
//   node dist/bench/pretrain.js --torch-seeds 1337          # one PyTorch reference run (default 1337,1,2; '' none)
//   runPretrainBench({ steps: 20 })                         # the same from code
// Reports JSON on stdout (through bench/index.ts); progress goes to stderr.

import { initBackend, BackendName } from '../src/backend';
import { paramCount, flopsPerToken, PresetName, parsePresetName } from '../src/model';
import { assert } from '../src/util/assert';
import { pretrain } from '../src/train';
import { mirrorDir } from '../test/helpers/shakespeare';
import { spawnSync } from 'child_process';
import { findTorchPython, torchScript } from './step';
import { fetchDataset } from '../src/data/download';

/** Options of the pretraining benchmark. */
export interface PretrainBenchOptions {
  /** 'baby' (default; nanoGPT's CPU run) or 'shakespeare-char' (its GPU run: 5000 steps, target 1.4697). */
  preset?: PresetName;
  /** Optimizer steps (default nanoGPT's: 2000 baby, 5000 shakespeare-char). Fewer measures speed only. */
  steps?: number;
  /** Backend to force (default: the fastest available). */
  backend?: BackendName;
  /** Evaluate every this many steps (default 250, or only at the end for short runs). */
  evalEvery?: number;
  /** Batches per evaluation (default 20, nanoGPT's CPU setting). */
  evalIters?: number;
  /** Checkpoint directory, if any. */
  out?: string;
  /** Batches for a final, less noisy validation loss (default 200, nanoGPT's GPU eval_iters; 0: skip). */
  finalEvalIters?: number;
  /**
   * Seeds of the PyTorch reference runs (bench/torch_pretrain.py: the baby's math, the same steps), run
   * after ours when a Python with torch is found; default [1337, 1, 2] for baby, none otherwise.
   */
  torchSeeds?: number[];
}

/** The PyTorch reference runs of the same configuration, one per seed, or why there are none. */
async function torchReferences(steps: number, seeds: number[]): Promise<Record<string, unknown>[]> {
  if (seeds.length === 0) return [];
  const script = torchScript('torch_pretrain.py');
  const found = script === undefined ? { python: undefined, why: 'bench/torch_pretrain.py was not found beside the bench' } : findTorchPython();
  if (found.python === undefined) return seeds.map(() => ({ skipped: found.why }));
  const file = (await fetchDataset('tinyshakespeare', { mirror: mirrorDir() })).path; // cached by the pretraining run
  return seeds.map((seed) => torchReference(found.python!, script!, file, steps, seed, found.why));
}

/** One PyTorch reference run (torch_pretrain.py on `file`). */
function torchReference(python: string, script: string, file: string, steps: number, seed: number, why: string): Record<string, unknown> {
  console.error(`bench pretrain: PyTorch reference, seed ${seed} (${why})`);
  const r = spawnSync(python, [script, '--data', file, '--steps', String(steps), '--seed', String(seed)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) return { error: `${script} exited ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}


/** nanoGPT's validation loss for the baby config after 2000 steps. */
export const NANOGPT_BABY_VAL_LOSS = 1.88;

/** nanoGPT's published validation losses: baby (CPU, 2000 steps) and shakespeare-char (GPU, 5000 steps). */
export const NANOGPT_VAL_LOSS: Partial<Record<PresetName, { loss: number; steps: number }>> = {
  baby: { loss: NANOGPT_BABY_VAL_LOSS, steps: 2000 },
  'shakespeare-char': { loss: 1.4697, steps: 5000 },
};

export async function runPretrainBench(opts: PretrainBenchOptions = {}): Promise<Record<string, unknown>> {
  const preset = opts.preset ?? 'baby';
  const target = NANOGPT_VAL_LOSS[preset];
  assert(target !== undefined, () => `runPretrainBench: no published nanoGPT figure for preset '${preset}'; use baby or shakespeare-char`);
  const steps = opts.steps ?? target.steps;
  const choice = await initBackend({ backend: opts.backend, source: 'runPretrainBench({ backend })' });
  const evalEvery = opts.evalEvery ?? (steps >= 500 ? 250 : 0);
  const evals: { step: number; trainLoss: number; valLoss: number }[] = [];
  let firstStepMs = 0;
  let stepsTimed = 0;
  let msTimed = 0;
  let prev: number | undefined;
  let evaluated = false;
  const start = performance.now();
  const run = await pretrain({
    preset, steps, out: opts.out,
    fetch: { mirror: mirrorDir() },
    train: { evalEvery, evalIters: opts.evalIters ?? 20, logEvery: 1 },
    onStep: (s) => {
      // Time each step from the previous one's end; skip the first (kernel warm-up) and any interval
      // that holds an evaluation.
      const now = performance.now();
      if (prev === undefined) firstStepMs = s.elapsedMs;
      else if (!evaluated) { stepsTimed += 1; msTimed += now - prev; }
      prev = now;
      evaluated = false;
      if (s.step % 50 === 0 || s.step === steps) console.error(`bench pretrain: step ${s.step}/${steps} loss ${s.loss.toFixed(4)} (${(msTimed / Math.max(1, stepsTimed)).toFixed(0)} ms/step)`);
    },
    onEval: (e) => {
      evals.push(e);
      evaluated = true;
      console.error(`bench pretrain: step ${e.step} train ${e.trainLoss.toFixed(4)} val ${e.valLoss.toFixed(4)}`);
    },
  });
  const wallMs = performance.now() - start;
  const finalEvalIters = opts.finalEvalIters ?? 200;
  const valLossFinal = finalEvalIters > 0 ? run.trainer.evaluateSplit('val', finalEvalIters) : null;
  const c = run.model.config;
  const t = run.trainer.config;
  const msPerStep = stepsTimed > 0 ? msTimed / stepsTimed : firstStepMs;
  const tokensPerStep = t.batchSize * t.gradAccumSteps * c.blockSize;
  const result = {
    backend: choice.name,
    config: { nLayer: c.nLayer, nHead: c.nHead, nEmbd: c.nEmbd, blockSize: c.blockSize, vocabSize: c.vocabSize, dropout: c.dropout, batchSize: t.batchSize, steps, maxLr: t.schedule.maxLr, minLr: t.schedule.minLr },
    params: paramCount(c).total,
    trainFlopsPerToken: flopsPerToken(c).train,
    valLoss: run.last.valLoss,
    trainLoss: run.last.trainLoss,
    // the same model on 10x the validation batches: the number to compare, with less sampling noise
    valLossFinal, finalEvalIters,
    preset,
    nanoGptValLoss: target.loss,
    meetsNanoGpt: steps >= target.steps ? (valLossFinal ?? run.last.valLoss) <= target.loss : null,
    evals,
    wallSeconds: wallMs / 1000,
    // the same math in PyTorch, its own seeds and batches: how far the seed alone moves the loss
    pytorch: await torchReferences(steps, opts.torchSeeds ?? (preset === 'baby' ? [1337, 1, 2] : [])),
    firstStepMs,
    msPerStep,
    tokensPerSec: (tokensPerStep * 1000) / msPerStep,
  };
  run.trainer.optimizer.dispose();
  run.model.dispose();
  return result;
}

// subtle: in a bundle (bench/pack-gpu.sh) every module shares one `module`, so check the script's name too.
if (require.main === module && /pretrain\.[jt]s$/.test(process.argv[1] ?? '')) {
  const argv = process.argv.slice(2);
  const value = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const steps = value('steps');
  const evalIters = value('eval-iters');
  const finalEvalIters = value('final-eval-iters');
  const torchSeeds = value('torch-seeds');
  const preset = value('preset');
  runPretrainBench({
    preset: preset === undefined ? undefined : parsePresetName(preset, '--preset'),
    torchSeeds: torchSeeds === undefined ? undefined : torchSeeds.split(',').filter((x) => x !== '').map(Number),
    steps: steps === undefined ? undefined : Number(steps), backend: value('backend') as BackendName | undefined, out: value('out'),
    evalIters: evalIters === undefined ? undefined : Number(evalIters),
    finalEvalIters: finalEvalIters === undefined ? undefined : Number(finalEvalIters),
  })
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
}
