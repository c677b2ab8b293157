// QLoRA in miniature: a GPT whose frozen Linear weights are the int8 / int4 ones, dequantized, so
// LoRA adapters (src/lora/) can train on top of them.
//
//   const q = quantizeGPT(base, 4);        // q.model: frozen, weights = dequantize(quantize(W)); q.bytes: the sizes
//   const model = withAdapters(q.model, createAdapters(q.model.config, loraConfig));
//
// Quantized: the four Linear weights of every block (c_attn, attn.c_proj, c_fc, mlp.c_proj), per output
// unit. Kept in float32: the embeddings (wte is also the LM head), LayerNorms and biases — few numbers
// that matter much, as in QLoRA.
// subtle: the model holds float32 values (tfjs has no int8 matmul), so memory during a forward pass and
// speed are the float model's; what shrinks is the stored weights (bytes.quantized against bytes.float32).

import * as tf from '@tensorflow/tfjs';
import { GPT, groupParams } from '../model';
import { QuantBits, QuantizedMatrix, dequantizeRows, quantizeRows, quantizedBytes } from './quantize';

/** The Linear weights that get quantized: 2-D weights inside blocks. */
export function isQuantizedWeight(name: string): boolean {
  return /^transformer\.h\.\d+\.(attn\.c_attn|attn\.c_proj|mlp\.c_fc|mlp\.c_proj)\.weight$/.test(name);
}

/**
 * Transposes a row-major [rows, cols] array.
 *
 *   transposeArray(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3) → [1, 4, 2, 5, 3, 6]
 */
export function transposeArray(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** A quantized model and what it takes to store. */
export interface QuantizedGPT {
  /** Frozen (trainable = false); the quantized weights hold their dequantized values. */
  model: GPT;
  /** The quantized matrices by parameter name, each [out, in] (one scale per output unit). */
  matrices: Map<string, QuantizedMatrix>;
  bytes: {
    /** Every weight in float32. */
    float32: number;
    /** The quantized matrices at their width plus the rest in float32. */
    quantized: number;
  };
}

/**
 * Quantizes a model's block weights per output unit and builds a frozen model on the dequantized values.
 * The base is left unchanged; the result owns its variables.
 *
 *   quantizeGPT(baby model, vocab 65, 8).bytes
 *     → { float32: 3,216,384, quantized: 875,520 } (0.27; int4: 482,304, 0.15)
 */
export function quantizeGPT(base: GPT, bits: QuantBits): QuantizedGPT {
  const c = base.config;
  const byName = new Map<string, tf.Variable>();
  const matrices = new Map<string, QuantizedMatrix>();
  let float32 = 0;
  let quantized = 0;
  for (const [name, v] of base.params.byName) {
    float32 += 4 * v.size;
    if (!isQuantizedWeight(name)) {
      quantized += 4 * v.size;
      byName.set(name, tf.variable(v, false));
      continue;
    }
    const [inDim, outDim] = v.shape;
    // Our weights are [in, out]; a row of the transpose is one output unit.
    const m = quantizeRows(transposeArray(v.dataSync() as Float32Array, inDim, outDim), outDim, inDim, bits);
    matrices.set(name, m);
    quantized += quantizedBytes(m);
    const deq = tf.tensor2d(transposeArray(dequantizeRows(m), outDim, inDim), [inDim, outDim]);
    byName.set(name, tf.variable(deq, false));
    deq.dispose();
  }
  return { model: new GPT(c, groupParams(c, byName)), matrices, bytes: { float32, quantized } };
}
