// AdamW's update for the webgpu backend in WGSL: three small shaders per parameter (m', v', then p'
// from them) instead of about fourteen tfjs kernels. On a GPU the step is bound by per-kernel host
// overhead (about 1300 kernels a step for the 'gpu' reference step, of which tfjs's Adam took 190 ms
// of 430 on an H100; /work/shared/gpu/README.md), so fewer kernels is what counts.
//
// It registers kernel 'GptLabAdamW' for webgpu, the same name and contract as the JavaScript kernel
// of adamw.ts (inputs p, m, v, g; attrs the step's scalars; outputs p', m', v'), so src/train/adamw.ts
// needs no webgpu-specific code. It is off by default (fused.ts: GPTLAB_WEBGPU_FUSED=1 turns it on;
// `npm run bench -- step --unfused` also times it) until a GPU session has checked it against the
// unfused update: no GPU was available where it was written.
// Left out: one shader writing all three outputs (a tfjs WebGPU program has a single output), a
// multi-tensor update over all parameters at once.

import * as tf from '@tensorflow/tfjs';
import { AdamWStepScalars } from './adamw';

const UNIFORMS = 'beta1 : f32, beta2 : f32, bc1 : f32, bc2 : f32, eps : f32, lr : f32, decay : f32,';
const WORKGROUP = 64;

type Part = 'm' | 'v' | 'p';

/** One of the three shaders, in the shape tfjs-backend-webgpu's runWebGPUProgram expects. */
class AdamWProgram {
  readonly variableNames: string[];
  readonly uniforms = UNIFORMS;
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;
  readonly dispatchLayout: { x: number[] };
  readonly dispatch: [number, number, number];
  readonly shaderKey: string;

  constructor(readonly outputShape: number[], readonly part: Part) {
    this.variableNames = part === 'm' ? ['M', 'G'] : part === 'v' ? ['V', 'G'] : ['P', 'M', 'V'];
    this.dispatchLayout = { x: outputShape.map((_, i) => i) }; // flat: one thread per element
    const n = outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(n / WORKGROUP), 1, 1];
    this.shaderKey = `gptlab_adamw_${part}`;
  }

  getUserCode(): string {
    const value = this.part === 'm'
      ? 'uniforms.beta1 * getMByOutputIndex(index) + (1.0 - uniforms.beta1) * getGByOutputIndex(index)'
      : this.part === 'v'
        ? 'uniforms.beta2 * getVByOutputIndex(index) + (1.0 - uniforms.beta2) * getGByOutputIndex(index) ' +
          '* getGByOutputIndex(index)'
        : 'getPByOutputIndex(index) * uniforms.decay - uniforms.lr * (getMByOutputIndex(index) / uniforms.bc1) ' +
          '/ (sqrt(getVByOutputIndex(index) / uniforms.bc2) + uniforms.eps)';
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, ${value});
        }
      }`;
  }
}

interface WebGpuLike {
  runWebGPUProgram(
    program: object, inputs: tf.TensorInfo[], dtype: tf.DataType, uniforms?: { type: string; data: number[] }[],
  ): tf.TensorInfo;
}

const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { p, m, v, g } = inputs as unknown as Record<'p' | 'm' | 'v' | 'g', tf.TensorInfo>;
  const s = attrs as unknown as AdamWStepScalars;
  const gpu = backend as unknown as WebGpuLike;
  const uniforms = [s.beta1, s.beta2, s.bc1, s.bc2, s.eps, s.lr, s.decay].map((x) => ({ type: 'float32', data: [x] }));
  const m1 = gpu.runWebGPUProgram(new AdamWProgram(p.shape, 'm'), [m, g], 'float32', uniforms);
  const v1 = gpu.runWebGPUProgram(new AdamWProgram(p.shape, 'v'), [v, g], 'float32', uniforms);
  const p1 = gpu.runWebGPUProgram(new AdamWProgram(p.shape, 'p'), [p, m1, v1], 'float32', uniforms);
  return [p1, m1, v1];
};

if (tf.getKernel('GptLabAdamW', 'webgpu') == null)
  tf.registerKernel({ kernelName: 'GptLabAdamW', backendName: 'webgpu', kernelFunc });

/** The WGSL source of one of the three shaders (for tests and readers). */
export function adamwShader(part: Part): string {
  return new AdamWProgram([4], part).getUserCode();
}
