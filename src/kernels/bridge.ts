// A bridge that runs a cpu kernel for a backend that lacks it.
//
// The bridged kernel copies its inputs out of the active backend (readSync), writes them into the
// cpu backend, runs the cpu kernel there, copies the outputs back, and frees every cpu copy. It is
// slow (two copies per call) but correct, so training code runs on any backend; hot kernels deserve a
// direct implementation instead (see segment-sum.ts).
// Leaves out: complex64 tensors (the cpu backend stores them as a pair of real tensors that a plain
// copy cannot rebuild) and kernels that need a browser (Draw); fallback.ts skips those.

import * as tf from '@tensorflow/tfjs';
import { assert, GptLabError } from '../util/assert';

/** Copies `t` from backend `from` to backend `to`; returns the new TensorInfo (owned by the caller). */
function copyTensor(t: tf.TensorInfo, from: tf.KernelBackend, to: tf.KernelBackend): tf.TensorInfo {
  const values = from.readSync(t.dataId);
  return { dataId: to.write(values, t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
}

/** copyTensor for a kernel's input, with an error that names the kernel when the read fails. */
function inputToCpu(
  kernelName: string, t: tf.TensorInfo, active: tf.KernelBackend, cpu: tf.KernelBackend,
): tf.TensorInfo {
  assert(t.dtype !== 'complex64',
    () => `kernel '${kernelName}' is bridged to cpu but got a complex64 input, which cannot cross backends; ` +
      "run it under tf.setBackend('cpu')");
  try {
    return copyTensor(t, active, cpu);
  } catch (e) {
    throw new GptLabError(`kernel '${kernelName}' is missing on backend '${tf.getBackend()}' and its cpu fallback ` +
      `could not read an input synchronously (${(e as Error).message}); run it under tf.setBackend('cpu')`);
  }
}

/** The cpu backend instance, created on first use (it is always registered by @tensorflow/tfjs). */
export function cpuBackend(): tf.KernelBackend {
  const cpu = tf.findBackend('cpu');
  assert(cpu != null,
    () => 'the cpu backend is not registered, so missing kernels cannot be bridged; ' +
      "import '@tensorflow/tfjs' (not only tfjs-core)");
  // subtle: its first write prints a banner advising tfjs-node; gpt-lab's backend report already
  // says which backends run here, and the banner would land in the middle of a training run.
  (cpu as { firstUse?: boolean }).firstUse = false;
  return cpu;
}

/**
 * Wraps the cpu kernel `kernelName` as a kernelFunc for another backend.
 *
 *   registerKernel({ kernelName: 'Einsum', backendName: 'wasm', kernelFunc: cpuBridge('Einsum') })
 */
export function cpuBridge(kernelName: string): tf.KernelFunc {
  const cpuKernel = tf.getKernel(kernelName, 'cpu');
  assert(cpuKernel != null, () => `cannot bridge '${kernelName}': the cpu backend has no such kernel`);
  return ({ inputs, backend, attrs }) => {
    const active = backend as tf.KernelBackend;
    const cpu = cpuBackend();
    // subtle: some kernels take an array of inputs (Einsum, Concat); keep it an array.
    const entries = Object.entries(inputs).filter((e): e is [string, tf.TensorInfo] => e[1] != null);
    const cpuInputs: tf.TensorInfo[] = [];
    try {
      for (const [, t] of entries) cpuInputs.push(inputToCpu(kernelName, t, active, cpu));
      const named = Array.isArray(inputs) ? cpuInputs : Object.fromEntries(entries.map(([k], i) => [k, cpuInputs[i]]));
      const out = cpuKernel.kernelFunc({ inputs: named as tf.NamedTensorInfoMap, backend: cpu, attrs });
      const outs = Array.isArray(out) ? out : [out];
      // Copy every output back before freeing anything: an output may share an input's dataId
      // (Reshape-like kernels just add a reference), which the frees below then release in turn.
      try {
        const back = outs.map((t) => copyTensor(t, cpu, active));
        return Array.isArray(out) ? back : back[0];
      } finally {
        outs.forEach((t) => cpu.disposeData(t.dataId));
      }
    } finally {
      cpuInputs.forEach((t) => cpu.disposeData(t.dataId));
    }
  };
}
