// Fused kernels written in plain JavaScript for the two backends whose tensors live in CPU memory:
// cpu (JS arrays) and wasm (the WebAssembly heap). One loop over the data replaces a chain of tfjs
// kernels, each of which would read and write the whole tensor and cost a dispatch.
//
//   registerJsKernel('GptLabGelu', ([x]) => [{ shape: ..., values: ... }]);
//   tf.engine().runKernel('GptLabGelu', { x }, {})     // on cpu or wasm
//
// subtle: on wasm an input is a view into the heap, and allocating an output may grow the heap and
// detach every view; so the implementation computes into fresh arrays first and outputs are copied
// into the heap only after it returns. A kernel whose output shapes are known from its inputs can
// skip that copy (registerHeapKernel): its outputs are allocated first, then it writes into them.
// Left out: webgpu and tensorflow, which keep the unfused composition (fused.ts says when to fuse).

import * as tf from '@tensorflow/tfjs';

/** One output of a JS kernel. */
export interface JsOutput {
  shape: number[];
  values: Float32Array;
}

/** The computation: inputs (read-only views: Float32Array, or Int32Array for int32) and their shapes → outputs. */
export type JsKernelImpl = (inputs: Float32Array[], shapes: number[][], attrs: Record<string, unknown>) => JsOutput[];

/** The backends JS kernels run on. */
export const JS_KERNEL_BACKENDS = ['cpu', 'wasm'] as const;

/** The typed array a tensor's values sit in on the wasm heap: float32, int32, or bool as bytes. */
export type HeapArray = Float32Array | Int32Array | Uint8Array;

/** The parts of tfjs's wasm backend that kernels written outside it use. */
export interface WasmHeap {
  /** A view of the tensor's values in the heap (detached if the heap grows). */
  typedArrayFromHeap(t: tf.TensorInfo): HeapArray;
  /** A new output tensor in the heap, uninitialised. */
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}
interface CpuLike {
  data: { get(dataId: object): { values: Float32Array } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
}

function kernelFunc(name: string, backendName: string, impl: JsKernelImpl): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const infos = Object.values(inputs) as tf.TensorInfo[];
    for (const t of infos) {
      if (t.dtype !== 'float32' && t.dtype !== 'int32')
        throw new Error(`${name}: inputs must be float32 or int32, got ${t.dtype} of shape [${t.shape}]`);
    }
    const views = backendName === 'wasm'
      ? infos.map((t) => (backend as unknown as WasmHeap).typedArrayFromHeap(t) as Float32Array)
      : infos.map((t) => (backend as unknown as CpuLike).data.get(t.dataId).values);
    const outs = impl(views, infos.map((t) => t.shape), (attrs ?? {}) as Record<string, unknown>);
    const made = outs.map((o) => {
      if (backendName === 'wasm') {
        const w = backend as unknown as WasmHeap;
        const info = w.makeOutput(o.shape, 'float32');
        w.typedArrayFromHeap(info).set(o.values);
        return info;
      }
      return (backend as unknown as CpuLike).makeTensorInfo(o.shape, 'float32', o.values);
    });
    return made.length === 1 ? made[0] : made;
  };
}

const registered = new Set<string>();

/** Registers `impl` as kernel `name` on cpu and wasm (once; later calls do nothing). */
export function registerJsKernel(name: string, impl: JsKernelImpl): void {
  if (registered.has(name)) return;
  registered.add(name);
  for (const b of JS_KERNEL_BACKENDS) {
    if (tf.getKernel(name, b) == null)
      tf.registerKernel({ kernelName: name, backendName: b, kernelFunc: kernelFunc(name, b, impl) });
  }
}

/** A kernel that writes into preallocated outputs: their shapes, and the computation. */
export interface HeapKernel {
  /** Output shapes from the input shapes and attributes. */
  outputShapes(shapes: number[][], attrs: Record<string, unknown>): number[][];
  /** Writes every element of every output (they start uninitialised on wasm). */
  run(inputs: Float32Array[], outputs: Float32Array[], shapes: number[][], attrs: Record<string, unknown>): void;
}

function heapKernelFunc(name: string, backendName: string, k: HeapKernel): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const infos = Object.values(inputs) as tf.TensorInfo[];
    for (const t of infos) {
      if (t.dtype !== 'float32')
        throw new Error(`${name}: inputs must be float32, got ${t.dtype} of shape [${t.shape}]`);
    }
    const shapes = infos.map((t) => t.shape);
    const a = (attrs ?? {}) as Record<string, unknown>;
    const outShapes = k.outputShapes(shapes, a);
    let made: tf.TensorInfo[];
    if (backendName === 'wasm') {
      const w = backend as unknown as WasmHeap;
      made = outShapes.map((s) => w.makeOutput(s, 'float32'));
      // subtle: views only after every output is allocated (an allocation may detach earlier views).
      const view = (t: tf.TensorInfo) => w.typedArrayFromHeap(t) as Float32Array;
      k.run(infos.map(view), made.map(view), shapes, a);
    } else {
      const cpu = backend as unknown as CpuLike;
      const outs = outShapes.map((s) => new Float32Array(s.reduce((p, d) => p * d, 1)));
      k.run(infos.map((t) => cpu.data.get(t.dataId).values), outs, shapes, a);
      made = outs.map((o, i) => cpu.makeTensorInfo(outShapes[i], 'float32', o));
    }
    return made.length === 1 ? made[0] : made;
  };
}

/** registerJsKernel for a HeapKernel: on wasm its outputs are written in the heap directly, no copy. */
export function registerHeapKernel(name: string, kernel: HeapKernel): void {
  if (registered.has(name)) return;
  registered.add(name);
  for (const b of JS_KERNEL_BACKENDS) {
    if (tf.getKernel(name, b) == null)
      tf.registerKernel({ kernelName: name, backendName: b, kernelFunc: heapKernelFunc(name, b, kernel) });
  }
}

/** Runs a registered JS kernel on the active backend; one tensor per output. */
export function runJsKernel(
  name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown> = {},
): tf.Tensor[] {
  const out = tf.engine().runKernel(
    name, inputs as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}
