// The step benchmark: its PyTorch reference builds the same model (parameter counts match ours
// exactly), a short run on wasm reports consistent numbers, PyTorch takes turns with it when Python
// has torch, the fused-AdamW check it runs on a GPU is itself right, and the CLI options parse.

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { paramCount } from '../../src/model';
import { parseArgs } from '../../src/cli/args';
import { GptLabError } from '../../src/util/assert';
import { wasmThreadCount } from '../../src/wasm-threads';
import { checkFusedAdamW, findTorchPython, kernelFamily, runStepBench, STEP_CONFIGS, stepModelConfig, summarizeStepBench, torchScript, BackendStepResult } from '../../bench/step';
import { BENCH_FLAGS, BENCH_VALUED, stepOptions } from '../../bench/index';

const torch = findTorchPython();

describe('bench step: the PyTorch reference', () => {
  it('finds bench/torch_step.py, and either a Python with torch or says how to install it', () => {
    expect(torchScript()).to.match(/torch_step\.py$/);
    if (torch.python === undefined) expect(torch.why).to.include('python3-torch');
    else expect(torch.why).to.match(/torch \d/);
  });

  for (const name of ['baby', 'gpu'] as const) {
    it(`builds the same model as ours for '${name}': the parameter counts match exactly`, function () {
      if (torch.python === undefined) {
        // No torch here: the script must fail with Python's import error, not silently.
        const r = spawnSync('python3', [torchScript()!, '--config', name, '--steps', '1'], { encoding: 'utf8' });
        expect(r.status).to.not.equal(0);
        return;
      }
      this.timeout(120_000);
      const r = spawnSync(torch.python, [torchScript()!, '--config', name, '--steps', '1', '--warmup', '1'], { encoding: 'utf8' });
      expect(r.status, r.stderr).to.equal(0);
      const out = JSON.parse(r.stdout);
      expect(out.params).to.equal(paramCount(stepModelConfig(STEP_CONFIGS[name])).total);
      // random tokens: after two steps the loss is still about ln(vocab)
      expect(out.loss).to.be.closeTo(Math.log(STEP_CONFIGS[name].vocabSize), 0.3);
      expect(out.msPerStep).to.be.above(0);
    });
  }
});

describe('bench step: a short run on wasm', () => {
  let result: Record<string, unknown>;
  before(async function () {
    this.timeout(300_000);
    result = await runStepBench({ configs: ['baby'], backends: ['wasm'], rounds: 1, steps: 2, warmup: 2, torch: torch.python !== undefined });
  });

  it('reports ms/step, tokens/s, memory and kernels that agree with each other', () => {
    const baby = (result.configs as Record<string, { backends: Record<string, BackendStepResult>; tokensPerStep: number; params: number }>).baby;
    const w = baby.backends.wasm;
    expect(baby.tokensPerStep).to.equal(12 * 64);
    expect(baby.params).to.equal(paramCount(stepModelConfig(STEP_CONFIGS.baby)).total);
    expect(w.msPerStep).to.be.above(0);
    expect(w.tokensPerSec).to.be.closeTo((768 * 1000) / w.msPerStep, 1e-6);
    // the rate: 6·N + 12·L·T·C FLOPs per token, N = 804,096 weights less the 64·128 position embeddings
    // (nanoGPT's count: the tied head stays in), 768 tokens a step
    const flops = (6 * (804_096 - 64 * 128) + 12 * 4 * 64 * 128) * 768;
    expect(w.gflops).to.be.closeTo(flops / w.msPerStep / 1e6, 1e-6);
    expect(w.matMulGflops).to.be.above(0);
    expect(w.roundsMs).to.have.length(1);
    expect(w.kernelsPerStep).to.be.above(100);
    expect(w.peakBytes).to.be.above(w.heldBytes / 3); // a step holds activations beyond the weights
    expect(w.fused).to.equal(true);
    // the split: families add up to the profiled time, matmuls and the rest to the timed step
    const sp = w.split!;
    expect(Object.values(sp.byFamily).reduce((a, b) => a + b, 0)).to.be.closeTo(sp.profiledMs, 1e-9);
    expect(sp.byFamily.matMul).to.be.above(0);
    expect(sp.byFamily.fused).to.be.above(0); // LayerNorm, cross-entropy, AdamW on wasm
    expect(sp.matMulShare).to.be.closeTo(sp.byFamily.matMul / sp.profiledMs, 1e-12);
    expect(sp.matMulMs + sp.otherMs).to.be.closeTo(w.msPerStep, 1e-9);
    // random tokens at init: the loss is about ln(65), and it is the same model on every backend
    expect(w.firstLosses[0]).to.be.closeTo(Math.log(65), 0.1);
  });

  it('takes turns with PyTorch when Python has torch, and prints the ratio', () => {
    const w = (result.configs as Record<string, { backends: Record<string, BackendStepResult> }>).baby.backends.wasm;
    const text = summarizeStepBench(result);
    const threads = wasmThreadCount();
    expect(w.device).to.equal(threads > 1 ? `CPU (WebAssembly SIMD, ${threads} threads)` : 'CPU (WebAssembly SIMD, single-threaded)');
    expect(text).to.match(threads > 1 ? new RegExp(`^baby\\s+wasm ${threads}t\\s+[\\d.]+ ms/step`) : /^baby\s+wasm\s+[\d.]+ ms\/step/);
    if (torch.python === undefined) {
      expect(w.torch).to.equal(undefined);
      expect(text).to.include('(no PyTorch)');
      return;
    }
    expect(w.torch!.device).to.equal('cpu');
    expect(w.torch!.roundsMs).to.have.length(1);
    expect(w.ratioToTorch).to.be.closeTo(w.roundsMs[0] / w.torch!.roundsMs[0], 1e-9); // one round: its ratio
    expect(w.goal!.met).to.equal(w.ratioToTorch! <= 2.5);
    // one round: the matmuls' part and the rest's part of the ratio add up to it
    expect(w.split!.matMulRatio! + w.split!.otherRatio!).to.be.closeTo(w.ratioToTorch!, 1e-9);
    expect(text).to.include(`(ratio ${w.split!.matMulRatio!.toFixed(2)} + ${w.split!.otherRatio!.toFixed(2)})`);
    expect(text).to.include(`ratio ${w.ratioToTorch!.toFixed(2)}`);
    expect(w.torch!.gflops).to.be.closeTo(w.gflops * w.msPerStep / w.torch!.msPerStep, 1e-6);
    expect(text).to.include(`torch ${w.torch!.gflops.toFixed(0)})`);
  });
});

describe('bench step: the fused-AdamW check the GPU run uses', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    it(`finds the fused update equal to the unfused formula on ${backend}`, async () => {
      await initBackend({ backend });
      const before = tf.memory().numTensors;
      expect(checkFusedAdamW()).to.be.below(1e-5);
      expect(tf.memory().numTensors).to.equal(before);
    });
  }
});

describe('bench step: kernel families of the split', () => {
  it('puts matmuls, convolutions, layout copies, reductions and our kernels each in their family', () => {
    expect(['BatchMatMul', '_FusedMatMul', 'DepthwiseConv2dNative', 'Transpose', 'Sum', 'GptLabLayerNorm', 'Erf'].map(kernelFamily))
      .to.deep.equal(['matMul', 'matMul', 'convolution', 'layout', 'reduction', 'fused', 'elementwise']);
  });
});

describe('bench step: options', () => {
  it('parses --configs and --backends lists, and rejects an unknown step', () => {
    const o = stepOptions(parseArgs(['step', '--configs', 'baby,gpu', '--backends', 'wasm', '--rounds', '3', '--unfused', '--no-torch'], BENCH_VALUED, BENCH_FLAGS));
    expect(o.configs).to.deep.equal(['baby', 'gpu']);
    expect(o.backends).to.deep.equal(['wasm']);
    expect(o.rounds).to.equal(3);
    expect(o.unfused).to.equal(true);
    expect(o.torch).to.equal(false);
    expect(() => stepOptions(parseArgs(['--configs', 'huge'], BENCH_VALUED, BENCH_FLAGS))).to.throw(GptLabError, /'huge' is not a reference step; known: baby, gpu/);
    expect(() => stepOptions(parseArgs(['--backends', 'cuda'], BENCH_VALUED, BENCH_FLAGS))).to.throw(GptLabError, /cuda/);
  });
});
