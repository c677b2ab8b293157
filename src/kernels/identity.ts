// Identity and same-dtype Cast for the wasm backend as shared references instead of copies.
//
// tfjs saves every tensor a gradient needs through a clone (an Identity kernel), and the gradient of
// a multiply casts its operands to float32 (a Cast, even of float32). tfjs-wasm copies the values for
// both; on the baby step that was 185 copies a step, 12 ms of about 200. tfjs tensors are never
// written in place (a variable's assign takes a new buffer), so the output can share the input's
// buffer, counted by the backend's reference count, as tfjs-wasm's own Reshape and tfjs's cpu
// Identity do.
//
//   identityWasm({ x }) → { dataId: x.dataId, shape: x.shape, dtype: x.dtype }   (x's count + 1)
//
// Left out: strings (tfjs's kernel keeps them) and casts that change the dtype (tfjs's kernel converts).

import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs's wasm backend a shared output needs. */
interface RefCounted {
  incRef(dataId: tf.DataId): void;
}

/** A new reference to x's buffer. */
function share(x: tf.TensorInfo, backend: unknown): tf.TensorInfo {
  (backend as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** tfjs's Identity contract: shares the buffer; strings go to `original`. */
export function identityWasm(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    return x.dtype === 'string' ? original(args) : share(x, args.backend);
  };
}

/** tfjs's Cast contract: a cast to the same dtype shares the buffer; others go to `original`. */
export function castWasm(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const { dtype } = args.attrs as unknown as { dtype: tf.DataType };
    return x.dtype === dtype && dtype !== 'string' ? share(x, args.backend) : original(args);
  };
}
