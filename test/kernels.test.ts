// Fallback kernels: the same forward + backward pass gives the same numbers on cpu and on wasm
// (whose missing UnsortedSegmentSum, needed by the gradient of tf.gather, gpt-lab supplies), the cpu
// reference itself agrees with finite differences, and nothing leaks on either backend.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { withBackend } from '../src/backend';
import { cpuBackend, cpuBridge } from '../src/kernels/bridge';
import { fallbackKernels, installFallbackKernels } from '../src/kernels/fallback';
import { segmentSum } from '../src/kernels/segment-sum';
import { splitBlocks } from '../src/kernels/split';
import { transposeBlocks } from '../src/kernels/transpose';
import { gatherRows } from '../src/kernels/gather';

const V = 7; // vocabulary
const C = 4; // embedding width
const IDS = [[1, 3, 1], [5, 1, 3]]; // [B=2, T=3]; ids 1 and 3 repeat, so their gradient rows add up
const TARGETS = [3, 1, 5, 1, 3, 0]; // [B*T]

/** Deterministic parameter values in [-0.5, 0.5]. */
const fill = (n: number, seed: number) => Array.from({ length: n }, (_, i) => 0.5 * Math.sin(1.7 * i + seed));

type Params = [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor2D]; // emb [V,C], gamma [C], beta [C], W [C,V]

function makeParams(embValues = fill(V * C, 1)): Params {
  return [tf.tensor2d(embValues, [V, C]), tf.tensor1d(fill(C, 2).map((g) => 1 + g)), tf.tensor1d(fill(C, 3)), tf.tensor2d(fill(C * V, 4), [C, V])];
}

/** Embedding → layer norm → linear → softmax cross-entropy; a scalar. */
function loss(emb: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, w: tf.Tensor): tf.Scalar {
  const x = tf.gather(emb, tf.tensor2d(IDS, undefined, 'int32').flatten()); // [N, C]
  const { mean, variance } = tf.moments(x, -1, true);                       // [N, 1] each
  const xn = x.sub(mean).div(variance.add(1e-5).sqrt()).mul(gamma).add(beta); // [N, C]
  const logits = xn.matMul(w);                                               // [N, V]
  return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d(TARGETS, 'int32'), V), logits) as tf.Scalar;
}

/** Loss and gradients (emb, gamma, beta, W) on `backend`, checking that no tensor outlives the pass. */
function pass(backend: 'cpu' | 'wasm'): Promise<{ loss: number; grads: Float32Array[] }> {
  return withBackend(backend, () => {
    const before = tf.memory().numTensors;
    const params = makeParams();
    const { value, grads } = tf.tidy(() => tf.valueAndGrads((...p: tf.Tensor[]) => loss(p[0], p[1], p[2], p[3]))(params));
    const out = { loss: value.dataSync()[0], grads: grads.map((g) => g.dataSync() as Float32Array) };
    tf.dispose([value, grads, params]);
    expect(tf.memory().numTensors, `tensors leaked on ${backend}`).to.equal(before);
    return out;
  });
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string): void {
  expect(actual.length, what).to.equal(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tol = rel * Math.max(Math.abs(actual[i]), Math.abs(expected[i])) + 1e-6;
    expect(Math.abs(actual[i] - expected[i]), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`).to.be.at.most(tol);
  }
}

describe('fallback kernels', () => {
  before(async () => { await withBackend('wasm', () => undefined); });

  it('gives wasm a JavaScript UnsortedSegmentSum and bridges the rest to cpu', () => {
    const report = installFallbackKernels('wasm');
    expect(report.direct).to.include('UnsortedSegmentSum');
    expect(report.bridged).to.include('Einsum');
    expect(report.skipped.map((s) => s.kernel)).to.include('Complex');
    expect(installFallbackKernels('wasm')).to.equal(report); // idempotent: nothing registered twice
    expect(fallbackKernels('wasm')).to.equal(report);
  });

  it('segmentSum adds rows into their segments and drops out-of-range ids', () => {
    expect(Array.from(segmentSum(new Float32Array([1, 2, 3, 4, 5, 6]), [1, 0, 1], 2, 2))).to.deep.equal([3, 4, 6, 8]);
    expect(Array.from(segmentSum(new Int32Array([1, 2, 3]), [2, -1, 2], 3, 1))).to.deep.equal([0, 0, 4]);
  });

  it('computes UnsortedSegmentSum on wasm as worked by hand', async () => {
    const out = await withBackend('wasm', () => tf.tidy(() => {
      const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);                      // [3, 2]
      return tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2], 'int32'), 3).arraySync();
    }));
    expect(out).to.deep.equal([[3, 4], [0, 0], [6, 8]]);
  });

  it('sums segments like oneHot(ids)ᵀ · x, on wasm and on cpu (whose own kernel is replaced)', async () => {
    const ids = [4, 0, 4, 2, 4, 0, 1];                                     // [N=7], segment 3 empty
    const x = fill(7 * 3, 5);                                              // [N, 3]
    const expected = await withBackend('cpu', () => tf.tidy(() =>
      tf.matMul(tf.oneHot(tf.tensor1d(ids, 'int32'), 5), tf.tensor2d(x, [7, 3]), true, false).dataSync())); // [5, 3]
    for (const backend of ['wasm', 'cpu'] as const) {
      const got = await withBackend(backend, () => tf.tidy(() =>
        tf.unsortedSegmentSum(tf.tensor2d(x, [7, 3]), tf.tensor1d(ids, 'int32'), 5).dataSync()));
      expectClose(got, expected, 1e-6, `segment sum on ${backend}`);
    }
    expect(fallbackKernels('cpu')?.replaced).to.deep.equal(['UnsortedSegmentSum']);
  });

  it('gives the same loss and gradients on wasm as on cpu', async () => {
    const cpu = await pass('cpu');
    const wasm = await pass('wasm');
    expectClose([wasm.loss], [cpu.loss], 1e-4, 'loss');
    ['emb', 'gamma', 'beta', 'W'].forEach((name, i) => expectClose(wasm.grads[i], cpu.grads[i], 1e-4, `d${name}`));
    expect(cpu.grads[0].slice(0, C).every((g) => g === 0), 'row 0 of dEmb (id 0 unused) is zero').to.equal(true);
  });

  it('has a cpu embedding gradient that matches central finite differences', async () => {
    const { grads } = await pass('cpu');
    const base = fill(V * C, 1);
    const lossAt = (values: number[]) => withBackend('cpu', () => tf.tidy(() => {
      const [emb, gamma, beta, w] = makeParams(values);
      return loss(emb, gamma, beta, w).dataSync()[0];
    }));
    const h = 1e-2;
    for (const [row, col] of [[1, 0], [3, 2], [5, 1], [0, 3]]) {   // ids 1, 3 repeat; 5 once; 0 unused
      const i = row * C + col;
      const plus = base.slice(); plus[i] += h;
      const minus = base.slice(); minus[i] -= h;
      const numeric = ((await lossAt(plus)) - (await lossAt(minus))) / (2 * h);
      expect(Math.abs(grads[0][i] - numeric), `dEmb[${row},${col}]: ${grads[0][i]} vs ${numeric}`).to.be.at.most(2e-4 + 1e-2 * Math.abs(numeric));
    }
  });

  it('bridges Einsum on wasm to cpu without leaking on either backend', async () => {
    const expected = await withBackend('cpu', () => tf.tidy(() => tf.einsum('ij,jk->ik', tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).arraySync()));
    await withBackend('wasm', () => {
      const cpuIds = cpuBackend().numDataIds();
      const before = tf.memory().numTensors;
      const out = tf.tidy(() => tf.einsum('ij,jk->ik', tf.tensor2d([[1, 2], [3, 4]]), tf.tensor2d([[5], [6]])).arraySync());
      expect(out).to.deep.equal(expected).and.to.deep.equal([[17], [39]]);
      expect(tf.memory().numTensors).to.equal(before);
      expect(cpuBackend().numDataIds(), 'cpu copies freed').to.equal(cpuIds);
    });
  });

  it('frees the cpu copies when a bridged output shares its input (Reshape)', async () => {
    await withBackend('wasm', () => {
      const wasm = tf.backend();
      const cpuIds = cpuBackend().numDataIds();
      const x = tf.tensor1d([1, 2, 3, 4]);
      const out = cpuBridge('Reshape')({ inputs: { x }, backend: wasm, attrs: { shape: [2, 2] } }) as tf.TensorInfo;
      expect(out.shape).to.deep.equal([2, 2]);
      expect(Array.from(wasm.readSync(out.dataId) as Float32Array)).to.deep.equal([1, 2, 3, 4]);
      wasm.disposeData(out.dataId);
      x.dispose();
      expect(cpuBackend().numDataIds()).to.equal(cpuIds);
    });
  });
});

/**
 * The values of a tensor of shape `oshape` whose element at multi-index o is the input's (`values` of
 * `shape`) element at multi-index at(o): layout kernels written out by their definition.
 */
function byDefinition(values: number[], shape: number[], oshape: number[], at: (o: number[]) => number[]): number[] {
  const strides = (sh: number[]) => sh.map((_, i) => sh.slice(i + 1).reduce((p, d) => p * d, 1));
  const [is, os] = [strides(shape), strides(oshape)];
  const total = oshape.reduce((p, d) => p * d, 1);
  return Array.from({ length: total }, (_, f) => {
    const o = os.map((st, i) => Math.floor(f / st) % oshape[i]);
    return values[at(o).reduce((p, v, i) => p + v * is[i], 0)];
  });
}

describe('SplitV on wasm (block copies, split.ts)', () => {
  it('splitBlocks cuts a [2, 3] array along axis 1 as worked by hand', () => {
    const outs = [new Float32Array(2), new Float32Array(4)];
    splitBlocks(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], [1, 2], 1, outs);
    expect(outs.map((o) => Array.from(o))).to.deep.equal([[1, 4], [2, 3, 5, 6]]);
  });

  it('replaces the wasm kernel and reports it', async () => {
    await withBackend('wasm', () => undefined);
    expect(fallbackKernels('wasm')!.replaced).to.include('SplitV');
  });

  // Each case: shape, sizes or count, axis, dtype; checked against the element-wise definition in JS.
  const cases: [number[], number | number[], number, 'float32' | 'int32' | 'bool'][] = [
    [[768, 384], 3, 1, 'float32'], [[12, 64, 384], 3, 2, 'float32'], [[4, 6, 5], [1, -1, 2], 1, 'float32'],
    [[6, 5], [2, 4], 0, 'int32'], [[3, 4, 2], 2, -1, 'bool'], [[2, 5], [0, 5], 1, 'float32'],
  ];
  for (const [shape, split, axis, dtype] of cases) {
    it(`splits [${shape}] into ${JSON.stringify(split)} along axis ${axis} (${dtype}) like the definition, without leaks`, async () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i * 7) % 3 === 0 ? 1 : 0 : (i * 37) % 101 - 50));
      const ax = axis < 0 ? shape.length + axis : axis;
      const sizes = typeof split === 'number' ? Array(split).fill(shape[ax] / split)
        : split.map((s) => (s === -1 ? shape[ax] - split.reduce((p, t) => p + (t === -1 ? 0 : t), 0) : s));
      // The definition: output k holds, at index (.., i, ..), the input at (.., start_k + i, ..).
      const expected = sizes.map((size, k) => {
        const start = sizes.slice(0, k).reduce((p, s) => p + s, 0);
        const oshape = shape.map((d, i) => (i === ax ? size : d));
        return { shape: oshape, values: byDefinition(values, shape, oshape, (o) => o.map((v, i) => (i === ax ? v + start : v))) };
      });
      await withBackend('wasm', () => {
        const before = tf.memory().numTensors;
        const x = tf.tensor(values, shape, dtype);
        const parts = tf.split(x, split, axis);
        expect(parts.map((p) => p.shape)).to.deep.equal(expected.map((e) => e.shape));
        parts.forEach((p, k) => expect(Array.from(p.dataSync())).to.deep.equal(expected[k].values));
        tf.dispose([x, ...parts]);
        expect(tf.memory().numTensors).to.equal(before);
      });
    });
  }

  it('passes gradients through a split (tfjs\'s concat gradient) as on cpu', async () => {
    const run = () => tf.tidy(() => {
      const x = tf.tensor2d(Array.from({ length: 24 }, (_, i) => Math.sin(i)), [4, 6]);
      const g = tf.grad((t: tf.Tensor) => {
        const [a, b, c] = tf.split(t, [1, 3, 2], 1);
        return tf.sum(tf.add(tf.sum(tf.mul(a, 2)), tf.add(tf.sum(tf.square(b)), tf.sum(tf.mul(c, -1)))));
      })(x);
      return Array.from(g.dataSync());
    });
    const wasm = await withBackend('wasm', run);
    const cpu = await withBackend('cpu', run);
    wasm.forEach((v, i) => expect(v).to.be.closeTo(cpu[i], 1e-6));
  });
});

describe('Transpose on wasm (tiles for matrices, transpose.ts)', () => {
  it('transposeBlocks transposes a batch of two [2, 3] matrices as worked by hand', () => {
    const out = new Float32Array(12);
    transposeBlocks(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 2, 2, 3, out);
    expect(Array.from(out)).to.deep.equal([1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12]);
  });

  it('replaces the wasm kernel and reports it', async () => {
    await withBackend('wasm', () => undefined);
    expect(fallbackKernels('wasm')!.replaced).to.include('Transpose');
  });

  // Matrix layouts (tiled here) and others (handed to tfjs's kernel), against the definition.
  const cases: [number[], number[], 'float32' | 'int32' | 'bool'][] = [
    [[37, 21], [1, 0], 'float32'], [[768, 512], [1, 0], 'float32'], [[3, 17, 9], [0, 2, 1], 'float32'],
    [[13, 5], [1, 0], 'int32'], [[4, 6, 3], [0, 2, 1], 'bool'], [[2, 3, 4, 5], [0, 2, 1, 3], 'float32'],
    [[4, 3, 5], [1, 0, 2], 'float32'], [[4, 3, 5], [2, 1, 0], 'int32'], [[6, 7], [0, 1], 'float32'],
    [[4, 3, 5], [1, 2, 0], 'float32'], [[2, 3, 4, 5], [3, 0, 2, 1], 'float32'], // not their own inverses
  ];
  for (const [shape, perm, dtype] of cases) {
    it(`transposes [${shape}] by [${perm}] (${dtype}) like the definition, without leaks`, async () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i % 3 === 0 ? 1 : 0) : (i * 37) % 101 - 50));
      const oshape = perm.map((p) => shape[p]);
      // The definition: output axis i is input axis perm[i].
      const expected = byDefinition(values, shape, oshape, (o) => shape.map((_, a) => o[perm.indexOf(a)]));
      await withBackend('wasm', () => {
        const before = tf.memory().numTensors;
        const x = tf.tensor(values, shape, dtype);
        const y = tf.transpose(x, perm);
        expect(y.shape).to.deep.equal(oshape);
        expect(Array.from(y.dataSync())).to.deep.equal(expected);
        tf.dispose([x, y]);
        expect(tf.memory().numTensors).to.equal(before);
      });
    });
  }
});

describe('GatherV2 on wasm (row copies, gather.ts)', () => {
  it('gatherRows copies the rows of ids, as worked by hand', () => {
    const out = new Float32Array(4);
    gatherRows(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 0], 1, 1, 3, 2, out);
    expect(Array.from(out)).to.deep.equal([5, 6, 1, 2]);
  });

  it('replaces the wasm kernel and reports it', async () => {
    await withBackend('wasm', () => undefined);
    expect(fallbackKernels('wasm')!.replaced).to.include('GatherV2');
  });

  // shape, indices (shape and values), axis, batchDims, dtype
  const cases: [number[], number[], number[], number, number, 'float32' | 'int32' | 'bool'][] = [
    [[65, 128], [768], Array.from({ length: 768 }, (_, i) => (i * 7) % 65), 0, 0, 'float32'],
    [[4, 5, 3], [2, 3], [4, 0, 4, 1, 2, 2], 1, 0, 'float32'],
    [[3, 4], [5], [3, 0, 0, 2, 1], 1, 0, 'int32'],
    [[2, 4, 3], [2, 2], [3, 0, 1, 1], 1, 1, 'bool'],
    [[6], [0], [], 0, 0, 'float32'],
  ];
  for (const [shape, ishape, ids, axis, batchDims, dtype] of cases) {
    it(`gathers [${shape}] along axis ${axis} (batchDims ${batchDims}, ${dtype}) like the definition, without leaks`, async () => {
      const n = shape.reduce((p, d) => p * d, 1);
      const values = Array.from({ length: n }, (_, i) => (dtype === 'bool' ? (i % 3 === 0 ? 1 : 0) : (i * 37) % 101 - 50));
      // The definition: out[batch.., outer.., idx.., inner..] = x[batch.., outer.., ids[batch.., idx..], inner..].
      const oshape = [...shape.slice(0, axis), ...ishape.slice(batchDims), ...shape.slice(axis + 1)];
      const istrides = ishape.map((_, i) => ishape.slice(i + 1).reduce((p, d) => p * d, 1));
      const idsRank = ishape.length - batchDims;
      const expected = byDefinition(values, shape, oshape, (o) => {
        const batchIdx = o.slice(0, batchDims);
        const idxIdx = o.slice(axis, axis + idsRank);
        const flat = [...batchIdx, ...idxIdx].reduce((p, v, i) => p + v * istrides[i], 0);
        return [...o.slice(0, axis), ids[flat], ...o.slice(axis + idsRank)];
      });
      await withBackend('wasm', () => {
        const before = tf.memory().numTensors;
        const x = tf.tensor(values, shape, dtype);
        const i = tf.tensor(ids, ishape, 'int32');
        const y = tf.gather(x, i, axis, batchDims);
        expect(y.shape).to.deep.equal(oshape);
        expect(Array.from(y.dataSync())).to.deep.equal(expected);
        tf.dispose([x, i, y]);
        expect(tf.memory().numTensors).to.equal(before);
      });
    });
  }

  it('rejects an index out of range, naming it', async () => {
    await withBackend('wasm', () => {
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      const i = tf.tensor1d([1, 2], 'int32');
      expect(() => tf.gather(x, i)).to.throw(/index value 2 is not in \[0, 1\]/);
      tf.dispose([x, i]);
    });
  });
});

describe('Identity and Cast on wasm (shared buffers, identity.ts)', () => {
  it('replaces both kernels and reports them', async () => {
    await withBackend('wasm', () => undefined);
    expect(fallbackKernels('wasm')!.replaced).to.include.members(['Identity', 'Cast']);
  });

  it('a clone shares its buffer: no new buffer, the same values, and it outlives the original', async () => {
    await withBackend('wasm', () => {
      const before = tf.memory();
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      const buffers = tf.memory().numDataBuffers; // (numBytes counts every tensor, shared or not)
      const y = tf.clone(x);
      const z = tf.cast(x, 'float32');
      expect(tf.memory().numDataBuffers).to.equal(buffers);
      x.dispose();
      expect(Array.from(y.dataSync())).to.deep.equal([1, 2, 3, 4]);
      expect(Array.from(z.dataSync())).to.deep.equal([1, 2, 3, 4]);
      tf.dispose([y, z]);
      expect(tf.memory().numTensors).to.equal(before.numTensors);
      expect(tf.memory().numDataBuffers).to.equal(before.numDataBuffers);
    });
  });

  it('a cast to another dtype still converts, and a gradient through a saved clone is unchanged', async () => {
    await withBackend('wasm', () => {
      const i = tf.tensor1d([1.7, -2.2, 3]);
      const c = tf.cast(i, 'int32');
      expect(c.dtype).to.equal('int32');
      expect(Array.from(c.dataSync())).to.deep.equal([1, -2, 3]);
      const f = tf.cast(c, 'float32');
      expect(Array.from(f.dataSync())).to.deep.equal([1, -2, 3]);
      // d/dx sum(x · x) = 2x: mul saves both operands through clones
      const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, x)))(i);
      expect(Array.from(g.dataSync()).map((v) => Math.round(v * 1e5) / 1e5)).to.deep.equal([3.4, -4.4, 6]);
      tf.dispose([i, c, f, g]);
    });
  });
});

describe('Square on wasm (a multiply, square.ts)', () => {
  it('replaces the wasm kernel and reports it', async () => {
    await withBackend('wasm', () => undefined);
    expect(fallbackKernels('wasm')!.replaced).to.include('Square');
  });

  for (const [shape, dtype] of [[[3, 4], 'float32'], [[], 'float32'], [[5], 'int32'], [[128, 512], 'float32']] as [number[], 'float32' | 'int32'][]) {
    it(`squares [${shape}] ${dtype} like x · x by hand, with its gradient 2x, without leaks`, async () => {
      await withBackend('wasm', () => {
        const before = tf.memory().numTensors;
        const n = shape.reduce((p, d) => p * d, 1);
        const values = Array.from({ length: n }, (_, i) => (dtype === 'int32' ? i - 2 : Math.sin(i) * 3));
        const x = tf.tensor(values, shape, dtype);
        const y = tf.square(x);
        expect(y.dtype).to.equal(dtype);
        expect(y.shape).to.deep.equal(shape);
        const got = y.dataSync();
        values.forEach((v, i) => expect(got[i]).to.be.closeTo(Math.fround(v) * Math.fround(v), Math.abs(v * v) * 1e-6));
        if (dtype === 'float32') {
          const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(t)))(x);
          const gv = g.dataSync();
          values.forEach((v, i) => expect(gv[i]).to.be.closeTo(2 * v, 1e-5));
          g.dispose();
        }
        tf.dispose([x, y]);
        expect(tf.memory().numTensors).to.equal(before);
      });
    });
  }
});
