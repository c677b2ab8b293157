// Kernels a backend lacks, filled in so the same training code runs on every backend.
//
// Every kernel that the cpu backend registers but the active backend does not gets one of:
//   - a direct JavaScript implementation, where one is short and much faster (UnsortedSegmentSum,
//     which the gradient of tf.gather needs and wasm lacks);
//   - otherwise the cpu bridge (bridge.ts): copy the inputs to cpu, run the cpu kernel, copy back.
// A kernel a backend has but runs far too slowly to train with is replaced by a direct one too:
// the cpu backend's UnsortedSegmentSum builds one mask per segment, so the embedding gradient for
// 2048 positions, width 128, vocabulary 512 took 47 s there, against 6 ms in segment-sum.ts; wasm's
// SplitV slices element by element (split.ts copies blocks), its Transpose takes 7 ns a value on
// matrices (transpose.ts: tiles) and its GatherV2 44 ns (gather.ts: row copies); its Identity and
// same-dtype Cast copy what could be shared (identity.ts), and its threaded Square wakes a thread pool
// for a product (square.ts).
// initBackend (src/backend.ts) calls installFallbackKernels for the backend it picks.
// Leaves out: kernels that cannot cross backends (complex numbers, browser canvases); they are listed
// as skipped. subtle: on webgpu in Node, readSync of a tensor that lives on the GPU fails (tfjs reads
// back through an OffscreenCanvas), so a bridged kernel there works only on host-resident inputs;
// the kernels webgpu lacks are rare ones (Unique, string and sparse ops), none used in training.

import * as tf from '@tensorflow/tfjs';
import { cpuBridge } from './bridge';
import { unsortedSegmentSum } from './segment-sum';
import { splitVWasm } from './split';
import { transposeWasm } from './transpose';
import { gatherWasm } from './gather';
import { castWasm, identityWasm } from './identity';
import { squareWasm } from './square';

/** What installFallbackKernels did for one backend. */
export interface FallbackReport {
  /** The backend the kernels were registered for. */
  backend: string;
  /** Kernels the backend lacked, given a direct JavaScript implementation. */
  direct: string[];
  /** Kernels the backend had, replaced by a much faster direct implementation. */
  replaced: string[];
  /** Kernels that run through the cpu bridge. */
  bridged: string[];
  /** Kernels the backend lacks that no fallback can carry, with the reason. */
  skipped: { kernel: string; why: string }[];
}

/** Direct implementations, preferred over the cpu bridge. */
const DIRECT: Record<string, tf.KernelFunc> = { UnsortedSegmentSum: unsortedSegmentSum };

/**
 * Per backend, kernels of its own to replace by a direct implementation (see the header), each made
 * from the backend's original kernel (for the cases it keeps).
 */
const REPLACE: Record<string, Record<string, (original: tf.KernelFunc) => tf.KernelFunc>> = {
  cpu: { UnsortedSegmentSum: () => unsortedSegmentSum },
  wasm: {
    SplitV: () => splitVWasm, // split.ts: block copies instead of per-element slices (1.9 → 0.2 ms)
    Transpose: transposeWasm, // transpose.ts: matrix transposes as tiled copies (3.7 → 0.5 ms)
    GatherV2: () => gatherWasm, // gather.ts: row copies (the baby's embedding lookup 4.3 → 0.1 ms)
    Identity: identityWasm, // identity.ts: shared buffers, no copy (the gradient's saved tensors)
    Cast: castWasm, // identity.ts: a cast to the same dtype shares the buffer
    Square: squareWasm, // square.ts: x · x, without XNNPACK's thread pool (245 → 21 µs on [128, 512], 2 threads)
  },
};

/** Kernels the cpu bridge cannot carry, and why. */
const UNBRIDGEABLE: Record<string, string> = {
  Complex: 'complex64 tensors cannot be copied between backends',
  ComplexAbs: 'complex64 tensors cannot be copied between backends',
  Real: 'complex64 tensors cannot be copied between backends',
  Imag: 'complex64 tensors cannot be copied between backends',
  FFT: 'complex64 tensors cannot be copied between backends',
  IFFT: 'complex64 tensors cannot be copied between backends',
  Draw: 'draws on a browser canvas',
};

const reports = new Map<string, FallbackReport>();

/** Stands in for an original kernel that a replacement delegates to but the backend lacks. */
function missingOriginal(kernelName: string, backendName: string): tf.KernelFunc {
  return () => {
    throw new Error(`${kernelName} on ${backendName}: the replacement has no original kernel to hand this case to`);
  };
}

/** Kernel names the cpu backend registers and `backendName` does not, sorted. */
export function missingKernels(backendName: string): string[] {
  const have = new Set(tf.getKernelsForBackend(backendName).map((k) => k.kernelName));
  return tf.getKernelsForBackend('cpu').map((k) => k.kernelName).filter((k) => !have.has(k)).sort();
}

/**
 * Registers a fallback for every kernel `backendName` lacks, and the replacements above.
 * Idempotent: a second call returns the first report without registering anything.
 *
 *   installFallbackKernels('wasm') → { direct: ['UnsortedSegmentSum'], bridged: ['Einsum', ...], skipped: [...] }
 */
export function installFallbackKernels(backendName: string): FallbackReport {
  const done = reports.get(backendName);
  if (done !== undefined) return done;
  const report: FallbackReport = { backend: backendName, direct: [], replaced: [], bridged: [], skipped: [] };
  for (const [kernelName, make] of Object.entries(REPLACE[backendName] ?? {})) {
    const original = tf.getKernel(kernelName, backendName);
    if (original != null) tf.unregisterKernel(kernelName, backendName);
    tf.registerKernel({
      kernelName, backendName, kernelFunc: make(original?.kernelFunc ?? missingOriginal(kernelName, backendName)),
    });
    report.replaced.push(kernelName);
  }
  for (const kernelName of missingKernels(backendName)) {
    const direct = DIRECT[kernelName];
    const why = UNBRIDGEABLE[kernelName];
    if (direct !== undefined) {
      tf.registerKernel({ kernelName, backendName, kernelFunc: direct });
      report.direct.push(kernelName);
    } else if (why !== undefined) {
      report.skipped.push({ kernel: kernelName, why });
    } else {
      tf.registerKernel({ kernelName, backendName, kernelFunc: cpuBridge(kernelName) });
      report.bridged.push(kernelName);
    }
  }
  reports.set(backendName, report);
  return report;
}

/** The report of installFallbackKernels for `backendName` (default: the active backend), if it ran. */
export function fallbackKernels(backendName: string = tf.getBackend()): FallbackReport | undefined {
  return reports.get(backendName);
}
