// The feed-forward half of a block: widen 4x, GELU, project back. It works on each position alone.
// Left out: SwiGLU and other gated variants.

import * as tf from '@tensorflow/tfjs';
import { BlockParams } from './params';
import { applyDropout, DropoutContext } from './dropout';
import { linear } from './linear';
import { useFused } from '../kernels/fused';
import { fusedGelu } from '../kernels/gelu';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * GELU, exact: x · Φ(x) = 0.5 · x · (1 + erf(x / √2)), as nanoGPT's nn.GELU() and PyTorch's default.
 * Erf is a kernel (with a gradient) on cpu, wasm and webgpu.
 *
 *   gelu([-1, 0, 1]) → [-0.15866, 0, 0.84134]
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  // one kernel with its own gradient where it measured faster (cpu, wasm; see src/kernels/fused.ts)
  if (useFused('gelu') && x.dtype === 'float32') return fusedGelu(x);
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1))); // [..., n]
}

/**
 * GELU's tanh approximation, which GPT-2 trained with: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 * It differs from the exact form by under 1e-3.
 *
 *   geluTanh([-1, 0, 1]) → [-0.15880, 0, 0.84120]
 */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI); // [..., n]
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)); // [..., n]
  });
}

/**
 * c_fc → GELU → c_proj → dropout, on x [B, T, C].
 *
 *   mlp(x [2, 8, 16], block) → [2, 8, 16]
 */
export function mlp(x: tf.Tensor3D, p: BlockParams, layer: number, dropout?: DropoutContext): tf.Tensor3D {
  const [B, T, C] = x.shape;
  const h = gelu(linear(tf.reshape(x, [B * T, C]), p.fcW, p.fcB, p.lora?.fc)); // [B*T, 4C]
  const out = linear(h as tf.Tensor2D, p.mlpProjW, p.mlpProjB, p.lora?.mlpProj); // [B*T, C]
  return applyDropout(tf.reshape(out, [B, T, C]), dropout, layer, 'mlpResid') as tf.Tensor3D; // [B, T, C]
}
