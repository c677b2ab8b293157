// UnsortedSegmentSum in plain JavaScript, for backends that lack it (wasm).
//
// It is what the gradient of `tf.gather` needs: the gradient of an embedding lookup adds each
// position's gradient row into the row of its token id. The cpu backend's own kernel builds a mask
// per segment (cost ~ numSegments * N * C, minutes per step for a real vocabulary); this one is a
// single pass over the rows (cost ~ N * C).
// Leaves out: the bool dtype (a sum of booleans is not a tensor tfjs defines) and complex64.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';

/**
 * Adds row i of `x` ([S, inner], flat) into row ids[i] of a fresh [numSegments, inner] array; ids
 * outside [0, numSegments) are dropped, as TensorFlow does.
 *
 *   segmentSum([1, 2, 3, 4, 5, 6], [1, 0, 1], 2, 2) → [3, 4, 6, 8]
 */
export function segmentSum<A extends Float32Array | Int32Array>(
  x: A, ids: ArrayLike<number>, numSegments: number, inner: number,
): A {
  assert(x.length === ids.length * inner,
    () => `segmentSum: x has ${x.length} values, expected ids.length (${ids.length}) * inner (${inner})`);
  const out = new (x.constructor as new (n: number) => A)(numSegments * inner);
  for (let i = 0; i < ids.length; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const src = i * inner, dst = s * inner;
    for (let j = 0; j < inner; j++) out[dst + j] += x[src + j];
  }
  return out;
}

/**
 * The kernel: inputs { x: [...idsShape, ...inner], segmentIds: idsShape (int32) }, attrs { numSegments }
 * → [numSegments, ...inner]. Reads and writes through the active backend, so it runs on any of them.
 */
export const unsortedSegmentSum: tf.KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
  const numSegments = (attrs as { numSegments: number }).numSegments;
  const be = backend as tf.KernelBackend;
  assert(x.dtype === 'float32' || x.dtype === 'int32',
    () => `UnsortedSegmentSum: x has dtype ${x.dtype}; only float32 and int32 are supported`);
  const nIds = tf.util.sizeFromShape(segmentIds.shape);
  const innerShape = x.shape.slice(segmentIds.shape.length);           // x = [...idsShape, ...innerShape]
  const inner = tf.util.sizeFromShape(innerShape);
  const values = be.readSync(x.dataId) as Float32Array | Int32Array;   // [nIds * inner]
  const ids = be.readSync(segmentIds.dataId) as Int32Array;            // [nIds]
  assert(ids.length === nIds && values.length === nIds * inner,
    () => `UnsortedSegmentSum: x shape [${x.shape}] does not start with segmentIds shape [${segmentIds.shape}]`);
  const out = segmentSum(values, ids, numSegments, inner);              // [numSegments * inner]
  const shape = [numSegments, ...innerShape];
  return { dataId: be.write(out, shape, x.dtype), shape, dtype: x.dtype };
};
