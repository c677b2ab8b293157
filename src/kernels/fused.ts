// When gpt-lab uses its fused kernels instead of the composition of tfjs ops they replace.
//
// Fused kernels exist for the backends that can run them (today cpu and wasm, in JavaScript:
// js-kernel.ts), and only where they are faster. On cpu every one is (tfjs's cpu kernels are
// JavaScript too, one pass per op). On wasm, tfjs's elementwise kernels are SIMD code that one
// JavaScript loop does not beat: measured on the baby shapes, fused AdamW took 3x and fused GELU 2x
// the time of the unfused chains, and fused attention (half the multiply-adds, but scalar
// JavaScript) was no faster forward and slower backward than wasm's naive batched matmuls; LayerNorm
// (2x faster) and cross-entropy (1.4x) win. Attention's batched matmuls go through XNNPACK's
// depthwise convolution instead (batch-matmul.ts, 3-4x faster there; slower on cpu). They are on by default; GPTLAB_FUSED=0 or
// setFusedKernels(false) turns them off, which gives the unfused reference that tests and the step
// benchmark compare against.
// webgpu: AdamW in WGSL (webgpu-adamw.ts), opt-in with GPTLAB_WEBGPU_FUSED=1 until a GPU session has
// measured and checked it. Left out: WGSL LayerNorm, attention and cross-entropy.

import * as tf from '@tensorflow/tfjs';
import './webgpu-adamw';

let enabled: boolean | undefined;

/** Turns the fused kernels on or off for this process (wins over GPTLAB_FUSED). */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/** Whether fused kernels are switched on (setFusedKernels, else GPTLAB_FUSED != '0'). */
export function fusedKernelsEnabled(): boolean {
  return enabled ?? process.env.GPTLAB_FUSED !== '0';
}

/** The fused kernels, by the op they replace. */
export type FusedOp = 'attention' | 'layerNorm' | 'crossEntropy' | 'adamw' | 'gelu' | 'batchMatMul';

/** The WGSL kernels for webgpu (webgpu-adamw.ts): off unless GPTLAB_WEBGPU_FUSED=1, until checked on a GPU. */
export const WEBGPU_FUSED_OPS: FusedOp[] = ['adamw'];

/** Where each fused kernel runs (see the header for the measurements behind it). */
export const FUSED_ON: Record<string, FusedOp[]> = {
  cpu: ['attention', 'layerNorm', 'crossEntropy', 'adamw', 'gelu'],
  wasm: ['layerNorm', 'crossEntropy', 'batchMatMul'],
  webgpu: process.env.GPTLAB_WEBGPU_FUSED === '1' ? [...WEBGPU_FUSED_OPS] : [],
};

/** Whether `backend` runs any fused kernel by default. */
export function hasFused(backend: string): boolean {
  return (FUSED_ON[backend] ?? []).length > 0;
}

/** Whether the active backend runs fused kernel `op` now (on cpu and wasm; a backend without any: false). */
export function useFused(op: FusedOp): boolean {
  if (!fusedKernelsEnabled()) return false;
  const ops = FUSED_ON[tf.getBackend()];
  return ops !== undefined && ops.includes(op);
}

/**
 * Runs fn with the fused kernels on or off, then restores the previous setting. For tests and
 * benchmarks that compare the two.
 *
 *   const unfused = withFused(false, () => model.loss(x, y).dataSync()[0]);
 */
export function withFused<T>(on: boolean, fn: () => T): T {
  const before = enabled;
  enabled = on;
  try {
    return fn();
  } finally {
    enabled = before;
  }
}
