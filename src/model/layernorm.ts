// LayerNorm over the last axis: each position's vector is shifted to mean 0, scaled to variance 1,
// then given a learned gain and bias. One function, one place, so a fused kernel can replace it.
// On cpu and wasm one fused kernel computes it (src/kernels/layernorm.ts; GPTLAB_FUSED=0: this composition).
// Left out: RMSNorm (no mean, no bias), which later Llama-style models use.

import * as tf from '@tensorflow/tfjs';
import { useFused } from '../kernels/fused';
import { fusedLayerNorm } from '../kernels/layernorm';

/** nanoGPT's and PyTorch's default epsilon. */
export const LN_EPS = 1e-5;

/**
 * (x - mean) / sqrt(var + eps) * g + b over the last axis; var is the biased (1/C) variance; no b: no shift.
 *
 *   layerNorm([[1, 2, 3]], g = [1, 1, 1], b = [0, 0, 0]) → [[-1.2247, 0, 1.2247]]
 */
export function layerNorm(x: tf.Tensor, g: tf.Tensor1D | tf.Variable, b?: tf.Tensor1D | tf.Variable): tf.Tensor {
  if (useFused('layerNorm') && x.dtype === 'float32') return fusedLayerNorm(x, g, b, LN_EPS);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true); // [..., 1] each
    const xhat = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, LN_EPS))); // [..., C]
    const scaled = tf.mul(xhat, g); // [..., C]
    return b === undefined ? scaled : tf.add(scaled, b); // [..., C]
  });
}
