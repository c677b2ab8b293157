// GatherV2 for the wasm backend as row copies.
//
// tfjs-wasm's Gather moves one value at a time with generic index arithmetic: the embedding lookup
// of the baby model (768 rows of 128 from a [65, 128] table) took 4.3 ms, 44 ns a value, and the
// gpu-shaped step's (2048 rows of 256) 18 ms. Gathering along an axis copies, for each index, one
// contiguous slice of everything after that axis, so it is a loop of TypedArray.set calls.
//
//   gatherRows(x [1, 1, 3, 2] = [1..6], ids [1, 2] = [2, 0]) → [5, 6, 1, 2]
//
// Left out: other backends (their own kernels are fine); indices are checked as tfjs checks them.

import * as tf from '@tensorflow/tfjs';
import { HeapArray, WasmHeap } from './js-kernel';

/**
 * out[b, o, n, :] = x[b, o, ids[b, n], :] for x laid out [batch, outer, dim, slice] and ids
 * [batch, nIds]; out is [batch, outer, nIds, slice].
 */
export function gatherRows(
  x: HeapArray, ids: ArrayLike<number>, batch: number, outer: number, dim: number, slice: number, out: HeapArray,
): void {
  const nIds = ids.length / batch;
  let w = 0;
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outer; o++) {
      const base = (b * outer + o) * dim;
      for (let n = 0; n < nIds; n++) {
        const from = (base + ids[b * nIds + n]) * slice;
        out.set(x.subarray(from, from + slice), w);
        w += slice;
      }
    }
  }
}

/** tfjs's GatherV2 contract (inputs { x, indices }, attrs { axis, batchDims }) on the wasm heap. */
export const gatherWasm: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, indices } = inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const w = backend as unknown as WasmHeap;
  const ids = w.typedArrayFromHeap(indices);
  const dim = x.shape[ax];
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!(id >= 0 && id <= dim - 1)) throw new Error(`GatherV2: the index value ${id} is not in [0, ${dim - 1}]`);
  }
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.TensorInfo as tf.Tensor, indices as tf.TensorInfo as tf.Tensor, ax, batchDims);
  const out = w.makeOutput(info.outputShape, x.dtype);
  // subtle: allocating the output may grow the heap and detach earlier views; take them all after.
  gatherRows(w.typedArrayFromHeap(x), w.typedArrayFromHeap(indices), info.batchSize, info.outerSize, info.dimSize,
    info.sliceSize, w.typedArrayFromHeap(out));
  return out;
};
