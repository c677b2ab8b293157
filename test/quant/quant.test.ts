// Per-row int8 / int4: hand-worked levels, packing by hand, the error bound (≤ scale / 2), sizes by
// hand, and the quantized GPT (weights within the bound, frozen, the base untouched).

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import {
  QuantBits, dequantizeRows, levels, packInt4, quantizeGPT, quantizeRows, quantizedBytes, transposeArray, unpackInt4,
} from '../../src/quant';
import { Rng } from '../../src/data/rng';
import { tinyModel } from '../model/helpers';

describe('per-row quantization', () => {
  it('quantizes a hand-worked matrix to int8 and int4', () => {
    const w = Float32Array.of(0.3, -1, 0.2, 0, 0, 0);
    const q8 = quantizeRows(w, 2, 3, 8);
    expect([...q8.scale]).to.deep.equal([Math.fround(1 / 127), 0]);
    expect([...levels(q8)]).to.deep.equal([38, -127, 25, 0, 0, 0]); // 0.3·127 = 38.1, 0.2·127 = 25.4
    const d8 = dequantizeRows(q8);
    expect(d8[0]).to.be.closeTo(38 / 127, 1e-7);
    expect(d8[2]).to.be.closeTo(25 / 127, 1e-7);
    const q4 = quantizeRows(w, 2, 3, 4);
    expect([...levels(q4)]).to.deep.equal([2, -7, 1, 0, 0, 0]); // 0.3·7 = 2.1, 0.2·7 = 1.4
    expect(dequantizeRows(q4)[0]).to.be.closeTo(2 / 7, 1e-7);
  });

  it('packs int4 two to a byte, low nibble first, and unpacks every level', () => {
    expect([...packInt4(Int8Array.of(1, -2, 3), 1, 3)]).to.deep.equal([0xe1, 0x03]);
    const all = Int8Array.from({ length: 16 * 3 }, (_, i) => (i % 16) - 8); // every level, in 16 rows of odd length 3
    expect([...unpackInt4(packInt4(all, 16, 3), 16, 3)]).to.deep.equal([...all]);
  });

  it('keeps every weight within half a step of its row (int8 and int4, outliers and zero rows)', () => {
    const rng = new Rng(5);
    const rows = 12;
    const cols = 33;
    const w = Float32Array.from({ length: rows * cols }, () => (rng.next() - 0.5) * 0.1);
    w[3 * cols + 7] = 2.5; // an outlier coarsens only row 3
    for (let c = 0; c < cols; c++) w[5 * cols + c] = 0; // a zero row
    for (const bits of [8, 4] as QuantBits[]) {
      const q = quantizeRows(w, rows, cols, bits);
      const d = dequantizeRows(q);
      for (let r = 0; r < rows; r++) {
        let maxErr = 0;
        let maxAbs = 0;
        for (let c = 0; c < cols; c++) {
          maxErr = Math.max(maxErr, Math.abs(w[r * cols + c] - d[r * cols + c]));
          maxAbs = Math.max(maxAbs, Math.abs(w[r * cols + c]));
        }
        expect(q.scale[r], `bits ${bits} row ${r} scale`).to.be.closeTo(maxAbs / (bits === 8 ? 127 : 7), 1e-7 * maxAbs + 1e-12);
        expect(maxErr, `bits ${bits} row ${r}`).to.be.at.most(q.scale[r] / 2 * (1 + 1e-5) + 1e-9);
      }
      expect(d.slice(5 * cols, 6 * cols).every((v) => v === 0)).to.equal(true);
    }
  });

  it('counts bytes by hand', () => {
    expect(quantizedBytes({ bits: 8, rows: 768, cols: 768 })).to.equal(592_896); // 768·768 + 4·768
    expect(quantizedBytes({ bits: 4, rows: 768, cols: 768 })).to.equal(297_984); // 768·384 + 4·768
    expect(quantizedBytes({ bits: 4, rows: 2, cols: 3 })).to.equal(2 * 2 + 8); // odd rows round up to a byte
    expect(quantizeRows(new Float32Array(6), 2, 3, 4).data.length).to.equal(4);
  });

  it('transposes by hand', () => {
    expect([...transposeArray(Float32Array.of(1, 2, 3, 4, 5, 6), 2, 3)]).to.deep.equal([1, 4, 2, 5, 3, 6]);
  });
});

describe('quantized GPT', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });

  it('stores the block weights in int8 / int4 and counts the bytes by hand', () => {
    const base = tinyModel(); // C = 16, 2 layers, 6,896 float parameters
    // per block: c_attn 48 units × 16, attn.c_proj 16 × 16, c_fc 64 × 16, mlp.c_proj 16 × 64
    //   int8: 48·16 + 4·48 = 960, 256 + 64 = 320, 1024 + 256 = 1280, 1024 + 64 = 1088 → 3648 (float32: 12,288)
    const q8 = quantizeGPT(base, 8);
    expect(q8.bytes).to.deep.equal({ float32: 4 * 6896, quantized: 4 * 6896 - 2 * 12_288 + 2 * 3648 });
    // int4: 48·8 + 192 = 576, 128 + 64 = 192, 512 + 256 = 768, 16·32 + 64 = 576 → 2112
    const q4 = quantizeGPT(base, 4);
    expect(q4.bytes.quantized).to.equal(4 * 6896 - 2 * 12_288 + 2 * 2112);
    q8.model.dispose();
    q4.model.dispose();
    base.dispose();
  });

  it('builds a frozen model whose weights are within half a step of the base, leaving the base as it was', () => {
    const base = tinyModel();
    const before = base.params.byName.get('transformer.h.1.attn.c_attn.weight')!.dataSync().slice();
    const tensors = tf.memory().numTensors;
    const q = quantizeGPT(base, 4);
    expect(tf.memory().numTensors).to.equal(tensors + base.params.byName.size); // one variable per weight, nothing else
    for (const [name, v] of q.model.params.byName) {
      expect(v.trainable, name).to.equal(false);
      const w = base.params.byName.get(name)!.dataSync();
      const d = v.dataSync();
      const m = q.matrices.get(name);
      if (m === undefined) { expect(d, name).to.deep.equal(w); continue; }
      const [inDim, outDim] = v.shape;
      for (let i = 0; i < inDim; i++) {
        for (let o = 0; o < outDim; o++) {
          expect(Math.abs(w[i * outDim + o] - d[i * outDim + o]), `${name}[${i}, ${o}]`).to.be.at.most(m.scale[o] / 2 * (1 + 1e-5) + 1e-9);
        }
      }
    }
    expect(q.matrices.size).to.equal(8);
    expect(base.params.byName.get('transformer.h.1.attn.c_attn.weight')!.dataSync()).to.deep.equal(before);
    q.model.dispose();
    base.dispose();
  });
});
