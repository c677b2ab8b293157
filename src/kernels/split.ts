// SplitV for the wasm backend as contiguous block copies.
//
// tfjs-wasm splits a tensor with one Slice per output, and its Slice walks the output element by
// element: splitting attention's qkv [768, 384] into three [768, 128] took 1.9 ms, a tenth of the
// whole forward pass of the baby model, against about 0.1 ms here. Splitting along `axis` is, for
// each index over the axes before it, a run of contiguous values cut into consecutive pieces, so each
// output is `outer` block copies (TypedArray.set on views of the heap).
//
//   splitBlocks([1, 2, 3, 4, 5, 6] as [2, 3], sizes [1, 2], axis 1) → [1, 4] and [2, 3, 5, 6]
//
// Left out: string tensors (wasm has none) and other backends (cpu's SplitV is fine; webgpu's stays).

import * as tf from '@tensorflow/tfjs';
import { HeapArray, WasmHeap } from './js-kernel';

/**
 * Cuts `src` (shape `shape`) along `axis` into pieces of `sizes`, writing piece k into outs[k]
 * (preallocated, each of the piece's size).
 */
export function splitBlocks(src: HeapArray, shape: number[], sizes: number[], axis: number, outs: HeapArray[]): void {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const row = shape[axis] * inner; // values per outer index
  let offset = 0;
  sizes.forEach((size, k) => {
    const w = size * inner;
    const dst = outs[k];
    for (let o = 0; o < outer; o++) dst.set(src.subarray(o * row + offset, o * row + offset + w), o * w);
    offset += w;
  });
}

/** tfjs's SplitV kernel contract (inputs { x }, attrs { numOrSizeSplits, axis }) on the wasm heap. */
export const splitVWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const x = (inputs as { x: tf.TensorInfo }).x;
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax) as number[];
  const w = backend as unknown as WasmHeap;
  const outs = sizes.map((s) => w.makeOutput(x.shape.map((d, i) => (i === ax ? s : d)), x.dtype));
  // subtle: allocating outputs may grow the heap and detach earlier views; take every view after.
  splitBlocks(w.typedArrayFromHeap(x), x.shape, sizes, ax, outs.map((o) => w.typedArrayFromHeap(o)));
  return outs;
};
