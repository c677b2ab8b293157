// Low precision: weight matrices stored as int8 or int4 with one float scale per row.
//
// Per-row symmetric quantization: for a row with largest magnitude m, scale = m / qmax (qmax 127 for
// int8, 7 for int4), q = round(w / scale), w ≈ q · scale. Rounding moves each weight by at most half a
// step, so |w - dequantized| ≤ scale / 2 — the bound the tests check. A row is one output unit here
// (a column of our [in, out] weights, a row of PyTorch's [out, in]), so one large output does not
// coarsen the others.
// int4 values are packed two to a byte (low nibble first, two's complement), so the size is real.
//
// What it changes: the bytes to store and move the frozen weights (4x fewer for int8, ~8x for int4).
// Not speed here: tfjs has no int8 matmul on any backend, so the model computes with the dequantized
// floats (quantized-gpt.ts) at float32 speed; a real QLoRA kernel dequantizes tile by tile inside the matmul.
// Left out: groups smaller than a row, asymmetric (zero-point) schemes, NF4's non-uniform levels.

import { assert } from '../util/assert';

/** The widths supported. */
export type QuantBits = 8 | 4;

/** A [rows, cols] matrix in low precision. */
export interface QuantizedMatrix {
  bits: QuantBits;
  rows: number;
  cols: number;
  /** One scale per row. */
  scale: Float32Array;
  /** int8: one value per byte; int4: two per byte, row-major, each row starting on a byte. */
  data: Int8Array | Uint8Array;
}

/** The largest level: 127 or 7 (the symmetric range leaves -128 / -8 unused). */
export function qmax(bits: QuantBits): number {
  return bits === 8 ? 127 : 7;
}

/**
 * Quantizes a row-major [rows, cols] matrix, one scale per row.
 *
 *   quantizeRows(Float32Array.of(0.3, -1, 0.2, 0, 0, 0), 2, 3, 8)
 *     → scale [1/127, 0], levels [38, -127, 25] and [0, 0, 0]  (0.3·127 = 38.1, 0.2·127 = 25.4)
 */
export function quantizeRows(w: Float32Array, rows: number, cols: number, bits: QuantBits): QuantizedMatrix {
  assert(w.length === rows * cols, () => `quantizeRows: ${w.length} values do not fill [${rows}, ${cols}]`);
  assert(bits === 8 || bits === 4, () => `quantizeRows: ${bits} bits is not supported; use 8 or 4`);
  const q = qmax(bits);
  const scale = new Float32Array(rows);
  const levels = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(w[r * cols + c]));
    assert(Number.isFinite(m), () => `quantizeRows: row ${r} holds a non-finite value`);
    scale[r] = m / q;
    // subtle: divide by the float32 scale actually stored, so dequantizing with it stays within half a step.
    if (scale[r] > 0) for (let c = 0; c < cols; c++)
      levels[r * cols + c] = Math.max(-q, Math.min(q, Math.round(w[r * cols + c] / scale[r])));
  }
  return { bits, rows, cols, scale, data: bits === 8 ? levels : packInt4(levels, rows, cols) };
}

/**
 * Packs int4 levels (-8..7) two to a byte, each row starting on a byte.
 *
 *   packInt4(Int8Array.of(1, -2, 3), 1, 3) → Uint8Array [0xe1, 0x03]
 */
export function packInt4(levels: Int8Array, rows: number, cols: number): Uint8Array {
  const stride = Math.ceil(cols / 2);
  const out = new Uint8Array(rows * stride);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = levels[r * cols + c];
      assert(v >= -8 && v <= 7, () => `packInt4: level ${v} at [${r}, ${c}] is outside -8..7`);
      out[r * stride + (c >> 1)] |= (v & 0xf) << ((c & 1) * 4);
    }
  }
  return out;
}

/**
 * The int4 levels back from packed bytes.
 *
 *   unpackInt4(Uint8Array.of(0xe1, 0x03), 1, 3) → Int8Array [1, -2, 3]
 */
export function unpackInt4(packed: Uint8Array, rows: number, cols: number): Int8Array {
  const stride = Math.ceil(cols / 2);
  const out = new Int8Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const nib = (packed[r * stride + (c >> 1)] >> ((c & 1) * 4)) & 0xf;
      out[r * cols + c] = nib >= 8 ? nib - 16 : nib;
    }
  }
  return out;
}

/** The integer levels of a quantized matrix, row-major. */
export function levels(m: QuantizedMatrix): Int8Array {
  return m.bits === 8 ? (m.data as Int8Array) : unpackInt4(m.data as Uint8Array, m.rows, m.cols);
}

/**
 * Back to floats: level · the row's scale.
 *
 *   dequantizeRows(quantizeRows(Float32Array.of(0.3, -1, 0.2, 0, 0, 0), 2, 3, 8)) → [0.29921, -1, 0.19685, 0, 0, 0]
 */
export function dequantizeRows(m: QuantizedMatrix): Float32Array {
  const lv = levels(m);
  const out = new Float32Array(m.rows * m.cols);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.cols; c++)
    out[r * m.cols + c] = lv[r * m.cols + c] * m.scale[r];
  return out;
}

/**
 * Bytes to store a quantized matrix: its levels plus a float32 scale per row.
 *
 *   quantizedBytes([768, 768] as int8) → 768·768 + 4·768 = 592,896;  as int4 → 768·384 + 4·768 = 297,984
 */
export function quantizedBytes(m: Pick<QuantizedMatrix, 'bits' | 'rows' | 'cols'>): number {
  const perRow = m.bits === 8 ? m.cols : Math.ceil(m.cols / 2);
  return m.rows * perRow + 4 * m.rows;
}
