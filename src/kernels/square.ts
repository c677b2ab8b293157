// Square for the threaded wasm backend as the multiply x · x.
//
// tfjs-wasm hands Square (like Neg and Abs) to XNNPACK, which starts its thread pool for every
// call: with 2 threads a [128, 512] square took 245 µs against 14 µs single-threaded, while its
// Multiply, which stays on the calling thread, took 21 µs. The gradient clipping of every training
// step squares each of the model's gradients (27 in the baby model), so Square runs as Multiply.
//
//   squareWasm(multiply)({ inputs: { x } }) → multiply({ inputs: { a: x, b: x } })
//
// Left out: Neg and Abs, which the step does not run.

import * as tf from '@tensorflow/tfjs';

/** tfjs's Square contract through the backend's Multiply kernel (the same float32 products). */
export function squareWasm(): tf.KernelFunc {
  const multiply = tf.getKernel('Multiply', 'wasm');
  return (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    return multiply!.kernelFunc({ ...args, inputs: { a: x, b: x } as unknown as tf.NamedTensorInfoMap, attrs: {} });
  };
}
