// The GPT: token + position embeddings, nLayer pre-LN blocks, a final LayerNorm, and logits through
// the token embedding again (the LM head is tied to wte, as in GPT-2 and nanoGPT).
//
//   const model = new GPT(makeConfig('tiny', { vocabSize: 11 }));
//   const loss = model.loss(x, y);            // inside tf.tidy, or dispose it
//   model.dispose();
//
// Every weight is a tf.Variable in model.params.byName, so the optimizer, checkpoints and (later) LoRA
// reach them by name. Left out: training (src/train/) and sampling (src/sample/).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { checkConfig, flopsPerToken, GPTConfig, paramCount, ParamCount } from './config';
import { GPTParams, initParams } from './params';
import { layerNorm } from './layernorm';
import { block } from './block';
import { LayerKV } from './attention';
import { applyDropout, DropoutContext } from './dropout';
import { crossEntropy } from './loss';
import { matMul2d } from './linear';

/** Options of one forward pass. */
export interface ForwardOptions {
  /** Dropout for this pass; absent means eval mode. */
  dropout?: DropoutContext;
  /** Per-layer keys/values of earlier positions (incremental decoding); positions continue after them. */
  cache?: LayerKV[];
  /**
   * Return each layer's keys and values even without a cache (the first pass of incremental decoding).
   * With a cache they are always returned; otherwise `kv` is empty, which spares training a split and
   * transposes per layer.
   */
  keepKV?: boolean;
}

export class GPT {
  readonly config: GPTConfig;
  readonly params: GPTParams;

  constructor(config: GPTConfig, params?: GPTParams) {
    this.config = checkConfig(config);
    this.params = params ?? initParams(this.config);
  }

  /** Parameter counts (see config.ts for the formula). */
  paramCount(): ParamCount {
    return paramCount(this.config);
  }

  /** Training and inference FLOPs per token (see config.ts). */
  flopsPerToken(): { train: number; forward: number } {
    return flopsPerToken(this.config);
  }

  /** The trainable variables, in checkpoint order. */
  variables(): tf.Variable[] {
    return [...this.params.byName.values()];
  }

  /**
   * The final hidden states [B, T, C] and the new per-layer keys/values. Not tidied: callers wrap it.
   *
   *   hidden(idx [2, 8], { keepKV: true }) → { h: [2, 8, 16], kv: 2 x { k: [2, 2, 8, 8], v } }
   *   hidden(idx [2, 8]) → { h: [2, 8, 16], kv: [] }
   */
  hidden(idx: tf.Tensor2D, opts: ForwardOptions = {}): { h: tf.Tensor3D; kv: LayerKV[] } {
    const c = this.config;
    const [B, T] = idx.shape;
    const past = opts.cache === undefined || opts.cache.length === 0 ? 0 : opts.cache[0].k.shape[2];
    assert(past + T <= c.blockSize,
      () => `sequence of ${past + T} tokens (${past} cached + ${T} new) exceeds blockSize (${c.blockSize}); ` +
        'crop the context');
    const tok = tf.gather(this.params.wte, tf.reshape(idx, [B * T])); // [B*T, C]
    const pos = tf.slice(this.params.wpe, [past, 0], [T, c.nEmbd]); // [T, C]
    let x = applyDropout(
      tf.add(tf.reshape(tok, [B, T, c.nEmbd]), pos), opts.dropout, 0, 'embedding') as tf.Tensor3D; // [B, T, C]
    const kv: LayerKV[] = [];
    for (let i = 0; i < c.nLayer; i++) {
      const out = block(x, this.params.blocks[i], c, i, opts.dropout, opts.cache?.[i], opts.keepKV);
      x = out.x; // [B, T, C]
      if (out.kv !== undefined) kv.push(out.kv);
    }
    return { h: layerNorm(x, this.params.lnfg, this.params.lnfb) as tf.Tensor3D, kv }; // [B, T, C]
  }

  /** Hidden states [B, T, C] → logits [B, T, V] through the tied embedding. */
  head(h: tf.Tensor3D): tf.Tensor3D {
    const [B, T, C] = h.shape;
    const logits = matMul2d(tf.reshape(h, [B * T, C]), tf.transpose(this.params.wte) as tf.Tensor2D); // [B*T, V]
    return tf.reshape(logits, [B, T, this.config.vocabSize]); // [B, T, V]
  }

  /**
   * Logits [B, T, V] for int32 ids [B, T].
   *
   *   model.forward(tf.zeros([2, 8], 'int32')) → [2, 8, 11]
   */
  forward(idx: tf.Tensor2D, opts: ForwardOptions = {}): tf.Tensor3D {
    return tf.tidy(() => this.head(this.hidden(idx, opts).h));
  }

  /**
   * Mean next-token cross-entropy of ids x [B, T] against targets y [B, T]; a scalar.
   *
   *   model.loss(x, y) → ≈ ln(vocabSize) at init
   */
  loss(x: tf.Tensor2D, y: tf.Tensor2D, opts: ForwardOptions = {}): tf.Scalar {
    return tf.tidy(() => {
      const logits = this.head(this.hidden(x, opts).h); // [B, T, V]
      const [B, T, V] = logits.shape;
      return crossEntropy(tf.reshape(logits, [B * T, V]), tf.reshape(y, [B * T])); // []
    });
  }

  /** Frees every weight. */
  dispose(): void {
    for (const v of this.params.byName.values()) v.dispose();
  }
}
