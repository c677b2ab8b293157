// When gpt-lab uses its fused kernels instead of the composition of tfjs ops they replace.
//
// Fused kernels run only where they measured faster than the unfused composition:
//   cpu: all of them in JavaScript (js-kernel.ts): tfjs's cpu kernels are JavaScript too, one pass
//     per op, so one pass for a whole chain wins (LayerNorm 7x, AdamW 40x, attention 1.5x).
//   wasm: tfjs's elementwise kernels are SIMD code that a JavaScript loop does not beat on large
//     tensors (AdamW took 3x the time of the unfused chain at 50K+ elements), but a kernel that
//     writes straight into the heap (js-kernel.ts's registerHeapKernel) saves a kernel launch and a
//     pass per op it replaces: AdamW is fused at every size (FUSED_MAX_SIZE), LayerNorm (2x) and
//     cross-entropy (1.4x) are fused, and GELU since its gradient became one multiply and its forward WebAssembly
//     SIMD (gelu.ts, gelu-simd.ts): the baby step's CPU time 299 → 272 ms/step, medians of 8
//     alternating rounds, one thread (`GPTLAB_WASM_THREADS=1 node dist/bench/step.js --ab gelu`;
//     in JavaScript it was 314 → 295). Attention's batched
//     products, which tfjs-wasm runs in a naive loop, go through XNNPACK's depthwise convolution
//     (batch-matmul.ts, attention-xnn.ts: 3-4x faster products); the JavaScript attention of cpu was
//     no faster there.
//   webgpu: AdamW in WGSL (webgpu-adamw.ts), opt-in with GPTLAB_WEBGPU_FUSED=1 until a GPU session
//     has measured and checked it.
// All are on by default; GPTLAB_FUSED=0 or setFusedKernels(false) turns them off, which gives the
// unfused reference that tests and the step benchmark compare against.
// Left out: WGSL LayerNorm, attention and cross-entropy.

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
export type FusedOp = 'attention' | 'xnnAttention' | 'layerNorm' | 'crossEntropy' | 'adamw' | 'gelu' | 'batchMatMul';

/** The WGSL kernels for webgpu (webgpu-adamw.ts): off unless GPTLAB_WEBGPU_FUSED=1, until checked on a GPU. */
export const WEBGPU_FUSED_OPS: FusedOp[] = ['adamw'];

/** Where each fused kernel runs (see the header for the measurements behind it). */
export const FUSED_ON: Record<string, FusedOp[]> = {
  cpu: ['attention', 'layerNorm', 'crossEntropy', 'adamw', 'gelu'],
  wasm: ['xnnAttention', 'layerNorm', 'crossEntropy', 'batchMatMul', 'adamw', 'gelu'],
  webgpu: process.env.GPTLAB_WEBGPU_FUSED === '1' ? [...WEBGPU_FUSED_OPS] : [],
};

/**
 * Per backend, the largest tensor (in elements) a fused op takes; larger ones run unfused. Empty
 * now: wasm's AdamW had a limit of 16K elements while its JavaScript kernel copied its outputs into
 * the heap (49152 elements: 950 µs fused, 600 unfused); written into the heap directly it wins at
 * every size (1 thread: 8192 elements 59 against 179 µs, 65536: 413 against 473, 196608: 1223 against
 * 1621; 2 threads, whose elementwise kernels wait on each other on a busy machine: 2-3x), and the baby
 * step took 5% less CPU time for the same wall time (8 alternating rounds, load 17).
 */
export const FUSED_MAX_SIZE: Record<string, Partial<Record<FusedOp, number>>> = {};

/** Whether `backend` runs any fused kernel by default. */
export function hasFused(backend: string): boolean {
  return (FUSED_ON[backend] ?? []).length > 0;
}

/**
 * Whether the active backend runs fused kernel `op` now, for a tensor of `size` elements if given
 * (FUSED_MAX_SIZE); a backend without fused kernels: false.
 */
export function useFused(op: FusedOp, size?: number): boolean {
  if (!fusedKernelsEnabled()) return false;
  const backend = tf.getBackend();
  const ops = FUSED_ON[backend];
  if (ops === undefined || !ops.includes(op)) return false;
  const max = FUSED_MAX_SIZE[backend]?.[op];
  return size === undefined || max === undefined || size <= max;
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
