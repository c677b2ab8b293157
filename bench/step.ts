// How long one training step takes, on every backend that runs here, against PyTorch in the same run.
//
// Two reference steps (issue 7): 'baby' (nanoGPT's baby GPT on a laptop CPU) and 'gpu' (a 3.3M
// parameter GPT sized for a GPU). Each is the project's own Trainer step — embeddings, pre-LN
// blocks, attention, MLP, tied head, cross-entropy, clipping, AdamW — on random token batches.
// bench/torch_step.py is the same math in PyTorch; it runs as a child process and takes turns with
// tfjs round by round, so a busy machine slows both alike and the ratios hold.
//
//   npm run bench -- step --json                        # every config, every backend, with PyTorch
//   npm run bench -- step --configs baby --backends wasm --rounds 5
//   gpt-lab bench --configs gpu                          # the same through the CLI
//   bash bench/pack-gpu.sh && bash .gpu/run.sh step --json    # on the GPU machine (no Node.js there)
//   node dist/bench/step.js --ab gelu --rounds 8        # one fused kernel on and off, alternating rounds
//
// Per backend: ms/step (median over rounds), tokens/s, the arithmetic rate (training FLOPs a step over
// the time) beside the backend's own matMul rate and PyTorch's, the peak of tf.memory() inside one step
// (tf.profile), kernels per step, process RSS, the first losses against the reference backend's
// (the same init and batches), and the ratio to PyTorch on the matching device (CPU for cpu/wasm,
// CUDA for webgpu/tensorflow). The step's time is split into matmuls and the rest by kernel family
// (tf.profile of 3 untimed steps), and the ratio into the parts they add: on wasm the matmuls' part is
// the floor that no other kernel can lower (issue 16). Progress goes to stderr.
// Left out: multi-GPU, mixed precision, torch.compile.

import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';
import * as tf from '@tensorflow/tfjs';
import { BackendName, BACKEND_NAMES, initBackend, probeBackend } from '../src/backend';
import { GPT, GPTConfig, makeConfig, paramCount, flopsPerToken } from '../src/model';
import { adamwStep, makeTrainConfig, Trainer } from '../src/train';
import { TokenStream } from '../src/data/stream';
import { Rng } from '../src/data/rng';
import { assert } from '../src/util/assert';
import { measureMatMul } from '../src/speed';
import { fusedAdamW } from '../src/kernels/adamw';
import {
  FUSED_ON, FusedOp, fusedKernelsEnabled, hasFused, setFusedKernels, WEBGPU_FUSED_OPS,
} from '../src/kernels/fused';

/** A reference step: the model's shape and the batch. */
export interface StepShape {
  batchSize: number;
  blockSize: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  vocabSize: number;
}

/** The reference steps of issue 7 (bench/torch_step.py's CONFIGS is the same table). */
export const STEP_CONFIGS = {
  baby: { batchSize: 12, blockSize: 64, nEmbd: 128, nLayer: 4, nHead: 4, vocabSize: 65 },
  gpu: { batchSize: 16, blockSize: 128, nEmbd: 256, nLayer: 4, nHead: 4, vocabSize: 512 },
} satisfies Record<string, StepShape>;
export type StepConfigName = keyof typeof STEP_CONFIGS;
export const STEP_CONFIG_NAMES = Object.keys(STEP_CONFIGS) as StepConfigName[];

/** The goals of issue 7: our ms/step at most this times PyTorch's on the same machine. */
export const GOALS: Partial<Record<StepConfigName,
  { backend: BackendName; maxRatio: number; torchDevice: 'cpu' | 'cuda' }>> = {
  // issue 16: wasm's 128-bit SIMD against PyTorch's AVX-512 on one core (see split below)
  baby: { backend: 'wasm', maxRatio: 2.5, torchDevice: 'cpu' },
  gpu: { backend: 'webgpu', maxRatio: 3, torchDevice: 'cuda' },
};

export interface StepBenchOptions {
  /** Which reference steps (default both). */
  configs?: StepConfigName[];
  /** Which backends (default every one available here). */
  backends?: BackendName[];
  /** Timed rounds per backend, each followed by PyTorch's round (default 5). */
  rounds?: number;
  /** Steps per round (default: about a second's worth for the backend, at least 2). */
  steps?: number;
  /** Run PyTorch too when Python has torch (default true). */
  torch?: boolean;
  /** Add the top kernels by time (tf.profile of one step) to each result. */
  profile?: boolean;
  /** Untimed steps before the first round (default 3); their losses are compared across backends. */
  warmup?: number;
  /**
   * Also time each backend the other way: cpu and wasm with the fused kernels off (GPTLAB_FUSED=0),
   * as '<backend>-unfused'; webgpu with its WGSL kernels on (GPTLAB_WEBGPU_FUSED=1), as 'webgpu-fused'.
   */
  unfused?: boolean;
}

// ---- PyTorch, as a child process ----

/** Where bench/torch_step.py is: beside this file (a bundle), in bench/ of the project, or the cwd. */
export function torchScript(name = 'torch_step.py'): string | undefined {
  const dirs = [__dirname, path.resolve(__dirname, '../../bench'), path.dirname(process.argv[1] ?? '.'),
    path.join(process.cwd(), 'bench'), process.cwd()];
  return dirs.map((d) => path.join(d, name)).find((f) => fs.existsSync(f));
}

/** The first Python that imports torch: GPTLAB_PYTHON, Debian's /usr/bin/python3, python3, python. */
export function findTorchPython(): { python?: string; why: string } {
  const env = process.env.GPTLAB_PYTHON;
  const candidates = env ? [env] : ['/usr/bin/python3', 'python3', 'python'];
  const whys: string[] = [];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__, torch.cuda.is_available())'],
      { encoding: 'utf8', timeout: 120_000 });
    if (r.status === 0) {
      return {
        python: py,
        why: `${py}: torch ${r.stdout.trim().split(' ')[0]}${r.stdout.includes('True') ? ' with CUDA' : ''}`,
      };
    }
    whys.push(`${py}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? 'failed')}`);
  }
  return {
    why: `no Python with torch (${whys.join('; ')}); install it (Debian: apt-get install python3-torch) ` +
      'or set GPTLAB_PYTHON',
  };
}

/** What torch_step.py answers for one round. */
export interface TorchRound {
  msPerStep: number;
  tokensPerSec: number;
  loss: number;
  params: number;
  attention: string;
  peakRssBytes: number;
  peakDeviceBytes?: number;
  torch: string;
  device: string;
  threads: number;
  gpu?: string;
  error?: string;
}

/** PyTorch failed (not our step): the bench carries on without it. */
class TorchError extends Error {}

/** One `torch_step.py --serve` process: requests go in as JSON lines, answers come back the same way. */
class TorchWorker {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly lines: AsyncIterator<string>;
  private stderr = '';

  constructor(python: string, script: string, readonly device: 'cpu' | 'cuda', readonly threads: number) {
    const args = [script, '--serve', '--device', device, ...(threads > 0 ? ['--threads', String(threads)] : [])];
    this.proc = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stderr.on('data', (d) => { this.stderr = (this.stderr + d).slice(-2000); });
    this.lines = readline.createInterface({ input: this.proc.stdout })[Symbol.asyncIterator]();
  }

  private async next(): Promise<Record<string, unknown>> {
    const r = await this.lines.next();
    if (r.done) throw new TorchError(`torch_step.py exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return JSON.parse(r.value);
  }

  /** The ready line: torch's version, device and threads. */
  async ready(): Promise<Record<string, unknown>> {
    return this.next();
  }

  async round(config: StepConfigName, steps: number): Promise<TorchRound> {
    this.proc.stdin.write(JSON.stringify({ config, steps, warmup: 2 }) + '\n');
    const out = (await this.next()) as unknown as TorchRound;
    if (out.error) throw new TorchError(`torch_step.py: ${out.error}`);
    return out;
  }

  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}

// ---- our step ----

/** A stream of uniformly random tokens, long enough for any batch. */
function randomStream(vocabSize: number, length: number, seed: number): TokenStream {
  const rng = new Rng(seed);
  const tokens = new Uint16Array(length);
  for (let i = 0; i < length; i++) tokens[i] = rng.int(0, vocabSize);
  return { tokens, docStarts: new Uint32Array([0]), firstDoc: 0, vocabSize };
}

/** The model config of a reference step: the baby preset's settings (no biases, no dropout) at that shape. */
export function stepModelConfig(s: StepShape): GPTConfig {
  return makeConfig('baby', {
    vocabSize: s.vocabSize, blockSize: s.blockSize, nEmbd: s.nEmbd, nLayer: s.nLayer, nHead: s.nHead, dropout: 0,
  });
}

/** A Trainer on random tokens for a reference step (the caller disposes model and optimizer). */
export function stepTrainer(s: StepShape): Trainer {
  const model = new GPT(stepModelConfig(s));
  const data = { train: randomStream(s.vocabSize, 100_000, 1), val: randomStream(s.vocabSize, 10_000, 2) };
  return new Trainer(model, data,
    makeTrainConfig({ batchSize: s.batchSize, maxSteps: 1_000_000, gradClip: 1, evalEvery: 0 }));
}

/** Runs n steps; reads the last loss (which waits for the device). Returns ms per step and that loss. */
async function ourRound(trainer: Trainer, n: number): Promise<{ ms: number; loss: number }> {
  const t0 = performance.now();
  let loss = NaN;
  for (let i = 0; i < n; i++) {
    const out = trainer.trainStep();
    if (i === n - 1) loss = (await out.loss.data())[0];
    tf.dispose([out.loss, out.gradNorm]);
  }
  return { ms: (performance.now() - t0) / n, loss };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Kernel families of the step's time split; a kernel not named here is 'elementwise'. */
export type KernelFamily = 'matMul' | 'convolution' | 'layout' | 'reduction' | 'fused' | 'elementwise';
const FAMILY_OF: Record<string, KernelFamily> = {
  BatchMatMul: 'matMul', _FusedMatMul: 'matMul', MatMul: 'matMul',
  DepthwiseConv2dNative: 'convolution', Conv2D: 'convolution', FusedDepthwiseConv2D: 'convolution',
  Transpose: 'layout', Identity: 'layout', Cast: 'layout', Concat: 'layout', SplitV: 'layout', Reshape: 'layout',
  Slice: 'layout', GatherV2: 'layout', PadV2: 'layout', Tile: 'layout', UnsortedSegmentSum: 'layout',
  Sum: 'reduction', Max: 'reduction', Mean: 'reduction', Softmax: 'reduction', AddN: 'reduction',
};

/** The family of a kernel: gpt-lab's own (GptLab…) are 'fused'. */
export function kernelFamily(name: string): KernelFamily {
  return FAMILY_OF[name] ?? (name.startsWith('GptLab') ? 'fused' : 'elementwise');
}

/** Where one step's time goes: matmuls against the rest (tf.profile, medians over profiled steps). */
export interface StepSplit {
  /** Profiled steps the medians are over. */
  steps: number;
  /** The families' times added up: kernels' own times (scopes such as customGrad not counted twice). */
  profiledMs: number;
  /** Per family, its kernels' time in one step. */
  byFamily: Record<KernelFamily, number>;
  /** matMul's share of profiledMs. */
  matMulShare: number;
  /** msPerStep cut by that share: the matmuls' and the rest's part of the timed step. */
  matMulMs: number;
  otherMs: number;
  /**
   * Each part over PyTorch's whole step (they add up to the step's ratio): matMulRatio is the floor the rest
   * cannot lower.
   */
  matMulRatio?: number;
  otherRatio?: number;
}

/**
 * Profiles `n` steps (tf.profile) and returns the median time per kernel family, their sum,
 * the peak bytes and kernel count of the last step, and each kernel's median time by name.
 * subtle: tf.profile reads every kernel's output back (CHECK_COMPUTATION_FOR_ERRORS) and the copies
 * it makes slowed the kernels it timed about twofold on wasm; the check is off while profiling.
 */
async function profileSteps(trainer: Trainer, n: number) {
  const env = tf.env();
  const check = env.getBool('CHECK_COMPUTATION_FOR_ERRORS');
  env.set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const families: Record<string, number>[] = [];
  const byName = new Map<string, { ms: number[]; count: number }>();
  let last: Awaited<ReturnType<typeof tf.profile>> | undefined;
  try {
    for (let s = 0; s < n; s++) {
      last = await tf.profile(async () => { await ourRound(trainer, 1); });
      const fam: Record<string, number> = {};
      const names = new Map<string, number>();
      for (const k of last.kernels) {
        // subtle: customGrad and named scopes are profiled too, around kernels profiled on their own.
        if (tf.getKernel(k.name, tf.getBackend()) == null) continue;
        const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        const f = kernelFamily(k.name);
        fam[f] = (fam[f] ?? 0) + ms;
        names.set(k.name, (names.get(k.name) ?? 0) + ms);
      }
      families.push(fam);
      for (const [name, ms] of names) {
        const e = byName.get(name) ?? { ms: [] as number[], count: last.kernels.filter((k) => k.name === name).length };
        e.ms.push(ms);
        byName.set(name, e);
      }
    }
  } finally {
    env.set('CHECK_COMPUTATION_FOR_ERRORS', check);
  }
  const all: KernelFamily[] = ['matMul', 'convolution', 'layout', 'reduction', 'fused', 'elementwise'];
  const byFamily = Object.fromEntries(all.map((f) => [f, median(families.map((x) => x[f] ?? 0))])) as
    Record<KernelFamily, number>;
  const profiledMs = Object.values(byFamily).reduce((a, b) => a + b, 0);
  return { byFamily, profiledMs, prof: last!, byName };
}

/** One backend's result on one reference step. */
export interface BackendStepResult {
  backend: BackendName;
  /** What computed, as initBackend describes it (e.g. 'CPU (WebAssembly SIMD, 2 threads)'). */
  device?: string;
  /** Whether gpt-lab's fused kernels ran (src/kernels/fused.ts), and which. */
  fused: boolean;
  fusedOps?: string[];
  steps: number;
  msPerStep: number;
  tokensPerSec: number;
  /** Training FLOPs a step (flopsPerToken × tokens) over our time: the arithmetic rate achieved. */
  gflops: number;
  /** The backend's own rate on a 512x512 matMul in the same run (src/speed.ts): what its kernels can reach. */
  matMulGflops: number;
  roundsMs: number[];
  /** Peak of tf.memory().numBytes inside one step (tf.profile). */
  peakBytes: number;
  /** Kernels one step runs. */
  kernelsPerStep: number;
  /** Tensor bytes held between steps (weights and optimizer state). */
  heldBytes: number;
  rssBytes: number;
  /** Losses of the warm-up steps (same init and batches on every backend). */
  firstLosses: number[];
  /** Largest |loss - reference loss| over the warm-up steps, and the reference backend. */
  lossDiff?: { vsBackend: BackendName; maxAbs: number };
  /** PyTorch's median over the rounds interleaved with ours, on the matching device. */
  torch?: {
    device: string; threads: number; msPerStep: number; gflops: number; roundsMs: number[];
    peakRssBytes: number; peakDeviceBytes?: number; attention: string;
  };
  /** Our ms/step over PyTorch's (lower is better), the median over rounds of the round's ratio. */
  ratioToTorch?: number;
  /** Other thread counts of PyTorch on the CPU (e.g. all cores), with our ratio to each. */
  torchOther?: { threads: number; msPerStep: number; ratio: number }[];
  goal?: { maxRatio: number; met: boolean };
  /** The step's time split into matmuls and the rest (tf.profile of 3 untimed steps). */
  split?: StepSplit;
  topKernels?: { name: string; ms: number; count: number; family: KernelFamily }[];
  /** webgpu-fused: the WGSL AdamW against the unfused update on random tensors (checkFusedAdamW). */
  adamwMaxAbsDiff?: number;
  skipped?: string;
}

/** The device PyTorch is compared on: CUDA for the GPU backends, the CPU for cpu and wasm. */
function torchDevice(backend: BackendName): 'cpu' | 'cuda' {
  return backend === 'webgpu' || backend === 'tensorflow' ? 'cuda' : 'cpu';
}

/** Default steps per round: about a second of work, at least 2. */
function defaultSteps(backend: BackendName, warmMs: number): number {
  return backend === 'cpu' ? 2 : Math.max(2, Math.min(20, Math.round(1000 / Math.max(1, warmMs))));
}

async function benchBackend(
  name: StepConfigName, backend: BackendName, opts: StepBenchOptions,
  torchFor: (device: 'cpu' | 'cuda') => TorchWorker[],
  reference?: { backend: BackendName; losses: number[] }, variant = false,
): Promise<BackendStepResult> {
  const shape = STEP_CONFIGS[name];
  const choice = await initBackend({ backend, source: 'bench step --backends' });
  const trainer = stepTrainer(shape);
  const warmup = opts.warmup ?? 3;
  const tokens = shape.batchSize * shape.blockSize;
  try {
    const firstLosses: number[] = [];
    let warmMs = 0;
    for (let i = 0; i < warmup; i++) {
      const { ms, loss } = await ourRound(trainer, 1);
      firstLosses.push(loss);
      warmMs = ms;
    }
    // Profiled steps (untimed): peak bytes, kernel count, and where the time goes.
    const { byFamily, profiledMs, prof, byName } = await profileSteps(trainer, 3);
    // Before the rounds: a PyTorch worker that just ran may keep its threads spinning for a while.
    const matMulGflops = (await measureMatMul(512, 7)).gflops;
    const steps = opts.steps ?? defaultSteps(backend, warmMs);
    const rounds = backend === 'cpu' ? Math.min(opts.rounds ?? 5, 1) : opts.rounds ?? 5;
    const device = torchDevice(backend);
    const workers = torchFor(device);
    const roundsMs: number[] = [];
    const torchMs: number[][] = workers.map(() => []);
    let torchLast: TorchRound[] = [];
    let rss = 0;
    for (let r = 0; r < rounds; r++) {
      const ours = await ourRound(trainer, steps);
      roundsMs.push(ours.ms);
      rss = Math.max(rss, process.memoryUsage().rss);
      torchLast = [];
      for (let w = 0; w < workers.length; w++) {
        const t = await workers[w].round(name, Math.max(2, Math.min(steps, 20)));
        torchMs[w].push(t.msPerStep);
        torchLast.push(t);
      }
      console.error(`bench step: ${name} ${backend} round ${r + 1}/${rounds}: ${ours.ms.toFixed(1)} ms/step` +
        torchLast.map((t) => `, torch ${t.device} ${t.threads}t ${t.msPerStep.toFixed(1)}`).join(''));
    }
    const msPerStep = median(roundsMs);
    const flopsPerStep = flopsPerToken(stepModelConfig(shape)).train * tokens;
    const result: BackendStepResult = {
      backend, device: choice.device, fused: fusedKernelsEnabled() && hasFused(backend),
      fusedOps: fusedKernelsEnabled() ? [...(FUSED_ON[backend] ?? [])] : [],
      steps: steps * rounds, msPerStep, tokensPerSec: (tokens * 1000) / msPerStep, roundsMs,
      gflops: flopsPerStep / msPerStep / 1e6, matMulGflops,
      peakBytes: prof.peakBytes, kernelsPerStep: prof.kernels.length, heldBytes: tf.memory().numBytes, rssBytes: rss,
      firstLosses,
    };
    if (reference !== undefined && (reference.backend !== backend || variant)) {
      const n = Math.min(reference.losses.length, firstLosses.length);
      result.lossDiff = {
        vsBackend: reference.backend,
        maxAbs: Math.max(0, ...firstLosses.slice(0, n).map((l, i) => Math.abs(l - reference.losses[i]))),
      };
    }
    if (workers.length > 0) {
      const t = torchLast[0];
      const tm = median(torchMs[0]);
      result.torch = {
        device: t.device, threads: t.threads, msPerStep: tm, gflops: flopsPerStep / tm / 1e6, roundsMs: torchMs[0],
        peakRssBytes: t.peakRssBytes, peakDeviceBytes: t.peakDeviceBytes, attention: t.attention,
      };
      // subtle: the median of the per-round ratios, so a round in which another process slowed one
      // of the pair shifts a single ratio rather than one side of the quotient.
      result.ratioToTorch = median(roundsMs.map((ms, r) => ms / torchMs[0][r]));
      if (workers.length > 1) {
        result.torchOther = workers.slice(1).map((_, i) => ({
          threads: torchLast[i + 1].threads, msPerStep: median(torchMs[i + 1]),
          ratio: median(roundsMs.map((ms, r) => ms / torchMs[i + 1][r])),
        }));
      }
      const goal = GOALS[name];
      if (goal !== undefined && goal.backend === backend && goal.torchDevice === t.device) {
        result.goal = { maxRatio: goal.maxRatio, met: result.ratioToTorch <= goal.maxRatio };
      }
    }
    const share = byFamily.matMul / profiledMs;
    result.split = {
      steps: 3, profiledMs, byFamily, matMulShare: share, matMulMs: msPerStep * share, otherMs: msPerStep * (1 - share),
    };
    if (result.torch !== undefined) {
      result.split.matMulRatio = result.split.matMulMs / result.torch.msPerStep;
      result.split.otherRatio = result.split.otherMs / result.torch.msPerStep;
    }
    if (opts.profile) {
      result.topKernels = [...byName]
        .map(([n, e]) => ({ name: n, ms: median(e.ms), count: e.count, family: kernelFamily(n) }))
        .sort((a, b) => b.ms - a.ms).slice(0, 20);
    }
    return result;
  } finally {
    trainer.optimizer.dispose();
    trainer.model.dispose();
  }
}

/**
 * One fused AdamW update (whatever kernel the active backend registers) against the unfused
 * formula in tfjs ops on the same backend, on random tensors of 1000 elements: the largest |Δ| over
 * p', m' and v'.
 */
export function checkFusedAdamW(): number {
  return tf.tidy(() => {
    const [p, m, g] = [1, 2, 3].map((seed) => tf.randomNormal([10, 100], 0, 1, 'float32', seed));
    const v = tf.square(tf.randomNormal([10, 100], 0, 1, 'float32', 4));
    const s = {
      beta1: 0.9, beta2: 0.99, bc1: 1 - 0.9 ** 3, bc2: 1 - 0.99 ** 3, eps: 1e-8, lr: 1e-2, decay: 1 - 1e-2 * 0.1,
    };
    const [p1, m1, v1] = fusedAdamW(p, m, v, g, s);
    const [pR, mR, vR] = adamwStep(p, m, v, g, s);
    const d = (a: tf.Tensor, b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
    return Math.max(d(p1, pR), d(m1, mR), d(v1, vR));
  });
}

/** The whole benchmark: every config on every backend, with PyTorch interleaved. */
export async function runStepBench(opts: StepBenchOptions = {}): Promise<Record<string, unknown>> {
  const configs = opts.configs ?? STEP_CONFIG_NAMES;
  for (const c of configs) {
    assert(c in STEP_CONFIGS, () => `unknown step config '${c}'; known: ${STEP_CONFIG_NAMES.join(', ')}`);
  }
  const available: BackendName[] = [];
  const notAvailable: Record<string, string> = {};
  for (const b of opts.backends ?? BACKEND_NAMES) {
    const cand = await probeBackend(b);
    if (cand.available) available.push(b); else notAvailable[b] = cand.why;
  }
  if (opts.backends !== undefined) {
    assert(Object.keys(notAvailable).length === 0,
      () => `backend(s) not available here: ${Object.entries(notAvailable).map(([b, w]) => `${b} (${w})`).join('; ')}`);
  }
  // Reference first, fastest last: the cpu backend (the unfused reference) runs the warm-up the
  // other backends' losses are compared with.
  const order = [...available].sort((a, b) => BACKEND_NAMES.indexOf(b) - BACKEND_NAMES.indexOf(a));

  const torchInfo: Record<string, unknown> = {};
  const workers = new Map<string, TorchWorker[]>();
  let python: string | undefined;
  const script = torchScript();
  if (opts.torch !== false) {
    const found = script === undefined
      ? { why: 'bench/torch_step.py was not found beside the bench' }
      : findTorchPython();
    python = found.python;
    torchInfo.python = found.why;
  } else {
    torchInfo.python = 'skipped (--no-torch)';
  }
  const torchFor = (device: 'cpu' | 'cuda'): TorchWorker[] => {
    if (python === undefined || script === undefined) return [];
    let ws = workers.get(device);
    if (ws === undefined) {
      // PyTorch's default thread count, and on the CPU also every core when that differs.
      ws = [new TorchWorker(python, script, device, 0)];
      workers.set(device, ws);
    }
    return ws;
  };
  const readyWorkers = async (device: 'cpu' | 'cuda'): Promise<TorchWorker[]> => {
    const ws = torchFor(device);
    if (ws.length === 0 || torchInfo[device] !== undefined) return ws;
    try {
      const ready = await ws[0].ready();
      torchInfo[device] = ready;
      const cores = os.cpus().length;
      if (device === 'cpu' && ready.threads !== cores) {
        const extra = new TorchWorker(python!, script!, device, cores);
        await extra.ready();
        ws.push(extra);
      }
    } catch (e) {
      torchInfo[device] = { error: (e as Error).message };
      for (const w of ws) w.close();
      workers.set(device, []);
    }
    return workers.get(device)!;
  };

  const results: Record<string, unknown> = {};
  try {
    for (const name of configs) {
      const shape = STEP_CONFIGS[name];
      const cfg = stepModelConfig(shape);
      const perBackend: Record<string, BackendStepResult> = {};
      let reference: { backend: BackendName; losses: number[] } | undefined;
      for (const backend of order) {
        if (backend === 'cpu' && name !== 'baby' && opts.backends === undefined) {
          perBackend[backend] = {
            backend, fused: false,
            skipped: 'the cpu backend takes about a minute a step at this size; --backends cpu runs it',
          } as BackendStepResult;
          continue;
        }
        const device = torchDevice(backend);
        await readyWorkers(device);
        let res: BackendStepResult;
        try {
          res = await benchBackend(name, backend, opts, (d) => workers.get(d) ?? [], reference);
        } catch (e) {
          // A backend that fails here is reported, and the others still run.
          if (!(e instanceof TorchError)) {
            console.error(`bench step: ${name} ${backend} failed: ${(e as Error).stack ?? e}`);
            perBackend[backend] = {
              backend, fused: hasFused(backend), skipped: `failed: ${(e as Error).message}`,
            } as BackendStepResult;
            continue;
          }
          // A PyTorch failure mid-run: carry on without it on this device.
          console.error(`bench step: ${name} ${backend}: ${(e as Error).message}; retrying without PyTorch`);
          torchInfo[`${device}Error`] = (e as Error).message;
          for (const w of workers.get(device) ?? []) w.close();
          workers.set(device, []);
          res = await benchBackend(name, backend, opts, () => [], reference);
        }
        perBackend[backend] = res;
        reference ??= { backend, losses: res.firstLosses };
        if (opts.unfused && hasFused(backend)) {
          const before = fusedKernelsEnabled();
          setFusedKernels(false);
          try {
            perBackend[`${backend}-unfused`] =
              await benchBackend(name, backend, opts, (d) => workers.get(d) ?? [], reference, true);
          } finally {
            setFusedKernels(before);
          }
        } else if (opts.unfused && backend === 'webgpu') {
          // The WGSL kernels, not yet on by default: time them, and their losses against the reference.
          const before = FUSED_ON.webgpu;
          FUSED_ON.webgpu = [...WEBGPU_FUSED_OPS];
          try {
            const check = checkFusedAdamW();
            console.error('bench step: WGSL AdamW against the unfused update on webgpu: ' +
              `max |Δ| ${check.toExponential(2)}`);
            perBackend['webgpu-fused'] = {
              ...(await benchBackend(name, backend, opts, (d) => workers.get(d) ?? [], reference, true)),
              adamwMaxAbsDiff: check,
            } as BackendStepResult;
          } catch (e) {
            perBackend['webgpu-fused'] = {
              backend, fused: true, skipped: `failed: ${(e as Error).message}`,
            } as BackendStepResult;
          } finally {
            FUSED_ON.webgpu = before;
          }
        }
      }
      results[name] = {
        shape, params: paramCount(cfg).total, trainFlopsPerToken: flopsPerToken(cfg).train,
        tokensPerStep: shape.batchSize * shape.blockSize, backends: perBackend,
      };
    }
  } finally {
    for (const ws of workers.values()) for (const w of ws) w.close();
  }
  return {
    machine: {
      cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, tfjs: tf.version.tfjs,
      load: os.loadavg(),
    },
    notAvailable, torch: torchInfo, goals: GOALS, configs: results,
    note: 'ratio = median over rounds of (our ms/step / PyTorch ms/step) measured in alternating rounds ' +
      'of the same run (lower is better)',
  };
}

/** One line per config and backend: ms/step, tokens/s, ratio to PyTorch, goal. */
export function summarizeStepBench(r: Record<string, unknown>): string {
  const lines: string[] = [];
  const configs = r.configs as Record<string, { backends: Record<string, BackendStepResult> }>;
  for (const [name, c] of Object.entries(configs)) {
    for (const [label, b] of Object.entries(c.backends)) {
      if (b.skipped) { lines.push(`${name.padEnd(5)} ${label.padEnd(13)} skipped: ${b.skipped}`); continue; }
      const torch = b.torch
        ? `  torch ${b.torch.device} ${b.torch.threads}t ${b.torch.msPerStep.toFixed(1)} ms  ` +
          `ratio ${b.ratioToTorch!.toFixed(2)}`
        : '  (no PyTorch)';
      const other = (b.torchOther ?? [])
        .map((o) => ` (${o.threads}t: ${o.msPerStep.toFixed(1)} ms, ratio ${o.ratio.toFixed(2)})`).join('');
      const goal = b.goal ? `  goal <= ${b.goal.maxRatio}: ${b.goal.met ? 'met' : 'NOT met'}` : '';
      const diff = b.lossDiff ? `  |Δloss| vs ${b.lossDiff.vsBackend} ${b.lossDiff.maxAbs.toExponential(1)}` : '';
      const threads = b.device !== undefined ? / (\d+) threads/.exec(b.device) : null;
      const where = threads !== null ? ` ${threads[1]}t` : '';
      const rate = `  ${b.gflops.toFixed(0)} GFLOP/s (matMul ${b.matMulGflops.toFixed(0)}` +
        `${b.torch ? `, torch ${b.torch.gflops.toFixed(0)}` : ''})`;
      const sp = b.split;
      const split = sp === undefined
        ? ''
        : `  matmuls ${sp.matMulMs.toFixed(0)} ms + rest ${sp.otherMs.toFixed(0)} ms` +
          (sp.matMulRatio !== undefined ? ` (ratio ${sp.matMulRatio.toFixed(2)} + ${sp.otherRatio!.toFixed(2)})` : '');
      lines.push(`${name.padEnd(5)} ${(label + where).padEnd(13)} ${b.msPerStep.toFixed(1).padStart(8)} ms/step ` +
        `${b.tokensPerSec.toFixed(0).padStart(7)} tok/s${rate}  peak ${(b.peakBytes / 2 ** 20).toFixed(0)} MiB  ` +
        `${b.kernelsPerStep} kernels${torch}${other}${goal}${diff}${split}`);
    }
  }
  return lines.join('\n');
}

/** One fused kernel on and off in alternating rounds of the same trainer (abFusedOp). */
export interface AbResult {
  config: StepConfigName;
  backend: BackendName;
  op: FusedOp;
  /** Whether the op is on by default on this backend (FUSED_ON). */
  defaultOn: boolean;
  onMs: number;
  offMs: number;
  /** Median over rounds of on/off within the round (below 1: the fused kernel is faster). */
  ratio: number;
  onRoundsMs: number[];
  offRoundsMs: number[];
  /**
   * The same from the process's CPU time (process.cpuUsage, all threads): steadier than wall time
   * on a machine shared with other jobs, exact for single-threaded work (GPTLAB_WASM_THREADS=1).
   */
  onCpuMs: number;
  offCpuMs: number;
  cpuRatio: number;
  /** os.loadavg() before and after. */
  load: number[][];
}

/**
 * Times the step with fused kernel `op` on and off on `backend`, in alternating rounds (the order
 * flips every round) of one trainer, so that a busy machine slows both alike: the A/B test behind
 * each entry of FUSED_ON.
 *
 *   node dist/bench/step.js --ab gelu --rounds 8    (baby on wasm)
 */
export async function abFusedOp(
  op: FusedOp, config: StepConfigName = 'baby', backend: BackendName = 'wasm', rounds = 8, steps = 5,
): Promise<AbResult> {
  await initBackend({ backend, source: 'bench step --ab' });
  const table = FUSED_ON as Record<string, FusedOp[]>;
  const saved = table[backend] ?? [];
  const set = (on: boolean) => {
    table[backend] = on ? [...saved.filter((o) => o !== op), op] : saved.filter((o) => o !== op);
  };
  const trainer = stepTrainer(STEP_CONFIGS[config]);
  const load = [os.loadavg()];
  const on: number[] = [];
  const off: number[] = [];
  const onCpu: number[] = [];
  const offCpu: number[] = [];
  try {
    for (const v of [true, false]) { set(v); await ourRound(trainer, 2); }
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 === 0 ? [true, false] : [false, true]) {
        set(v);
        const c0 = process.cpuUsage();
        (v ? on : off).push((await ourRound(trainer, steps)).ms);
        const c = process.cpuUsage(c0);
        (v ? onCpu : offCpu).push((c.user + c.system) / 1000 / steps);
      }
      console.error(`bench step --ab ${op}: round ${r + 1}/${rounds}: on ${on[r].toFixed(1)} ms ` +
        `(cpu ${onCpu[r].toFixed(1)}), off ${off[r].toFixed(1)} ms (cpu ${offCpu[r].toFixed(1)})`);
    }
  } finally {
    table[backend] = saved;
    trainer.optimizer.dispose();
    trainer.model.dispose();
  }
  load.push(os.loadavg());
  return {
    config, backend, op, defaultOn: saved.includes(op), onMs: median(on), offMs: median(off),
    ratio: median(on.map((x, i) => x / off[i])), onRoundsMs: on, offRoundsMs: off,
    onCpuMs: median(onCpu), offCpuMs: median(offCpu), cpuRatio: median(onCpu.map((x, i) => x / offCpu[i])), load,
  };
}

if (require.main === module) {
  // node dist/bench/step.js --ab op1,op2 [--rounds N] [--steps N] [--configs baby] [--backends wasm]
  const argv = process.argv.slice(2);
  const opt = (name: string) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
  const ops = (opt('ab') ?? '').split(',').filter((s) => s) as FusedOp[];
  (async () => {
    assert(ops.length > 0,
      () => 'usage: node dist/bench/step.js --ab gelu[,layerNorm] [--rounds 8] [--steps 5] ' +
        '[--configs baby] [--backends wasm]');
    const out: AbResult[] = [];
    for (const op of ops) {
      out.push(await abFusedOp(op, (opt('configs') ?? 'baby') as StepConfigName,
        (opt('backends') ?? 'wasm') as BackendName, Number(opt('rounds') ?? 8), Number(opt('steps') ?? 5)));
    }
    console.log(JSON.stringify(out, null, 2));
  })().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exitCode = 1; });
}
