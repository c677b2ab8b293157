// Every fused kernel against the unfused composition of tfjs ops it replaces: values and gradients,
// on cpu and on wasm (each kernel runs on both, whether or not fused.ts turns it on there by
// default); the whole model's loss and gradients, and a few training steps, with fused kernels on
// and off; and no leaked tensors.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend, withBackend } from '../../src/backend';
import { fusedCausalAttention } from '../../src/kernels/attention';
import { batchMatMul } from '../../src/kernels/batch-matmul';
import { xnnCausalAttention } from '../../src/kernels/attention-xnn';
import { fusedLayerNorm } from '../../src/kernels/layernorm';
import { fusedCrossEntropy } from '../../src/kernels/cross-entropy';
import { fusedGelu, erf, expNonPositive, geluAndSlope } from '../../src/kernels/gelu';
import { hasSimdGelu, simdGeluAndSlope } from '../../src/kernels/gelu-simd';
import {
  FUSED_MAX_SIZE, FUSED_ON, useFused, withFused, setFusedKernels, fusedKernelsEnabled,
} from '../../src/kernels/fused';
import { causalMask, LN_EPS } from '../../src/model';
import { AdamW, makeTrainConfig, Trainer } from '../../src/train';
import { randomFloats, randomIds, tinyModel } from '../model/helpers';

/** Largest |a - b| over two tensors of one shape. */
function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).to.deep.equal(b.shape);
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Largest |a| over a tensor, to scale tolerances. */
const maxAbs = (a: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(a)).dataSync()[0]);

/**
 * Values of f and gradients of sum(f · w) (w a fixed random weighting, so every output element
 * matters differently) with respect to every input: fused against reference, elementwise.
 */
function compareWithGrads(
  fused: (...xs: tf.Tensor[]) => tf.Tensor, reference: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: tf.Tensor[], tol: number,
): void {
  tf.tidy(() => {
    const yF = fused(...inputs);
    const yR = reference(...inputs);
    expect(maxDiff(yF, yR)).to.be.below(tol * Math.max(1, maxAbs(yR)), 'values');
    const w = randomFloats(yR.shape, 99);
    const gF = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(fused(...xs), w)))(inputs);
    const gR = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(reference(...xs), w)))(inputs);
    gR.forEach((g, i) => {
      expect(maxAbs(g)).to.be.above(0, `gradient ${i} of the reference is all zero: the test would prove nothing`);
      expect(maxDiff(gF[i], g)).to.be.below(tol * Math.max(1, maxAbs(g)), `gradient of input ${i}`);
    });
  });
}

/** The unfused attention of src/model/attention.ts, written out on qkv [B*T, 3C]. */
function referenceAttention(qkv: tf.Tensor, B: number, T: number, nHead: number): tf.Tensor {
  const C = qkv.shape[1]! / 3;
  const hs = C / nHead;
  const heads = (x: tf.Tensor) => tf.transpose(tf.reshape(x, [B, T, nHead, hs]), [0, 2, 1, 3]); // [B, nHead, T, hs]
  const [q, k, v] = tf.split(tf.reshape(qkv, [B, T, 3 * C]), 3, 2);
  const scores = tf.add(tf.mul(tf.matMul(heads(q), heads(k), false, true), 1 / Math.sqrt(hs)),
    causalMask(T, 0)); // [B, nHead, T, T]
  const y = tf.matMul(tf.softmax(scores, -1), heads(v)); // [B, nHead, T, hs]
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [B * T, C]); // [B*T, C]
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`fused kernels against the unfused composition (${backend})`, () => {
    before(async () => { await initBackend({ backend }); });
    after(() => setFusedKernels(true));

    it('causal attention: values and the gradient of qkv, 2 batch rows, 2 heads, T = 5', () => {
      const [B, T, H, C] = [2, 5, 2, 8];
      const qkv = randomFloats([B * T, 3 * C], 1);
      compareWithGrads((x) => fusedCausalAttention(x as tf.Tensor2D, B, T, H), (x) => referenceAttention(x, B, T, H),
        [qkv], 1e-5);
      qkv.dispose();
    });

    for (const [B, T, H, C] of [[2, 6, 3, 12], [1, 1, 1, 2], [3, 7, 2, 10]]) {
      it(`causal attention in XNNPACK layouts: values and the gradient of qkv, ${B} batch rows, ${H} heads, ` +
        `T = ${T}`, () => {
        const qkv = tf.mul(randomFloats([B * T, 3 * C], 16 + T), 2);
        compareWithGrads((x) => xnnCausalAttention(x as tf.Tensor2D, B, T, H), (x) => referenceAttention(x, B, T, H),
          [qkv], 1e-5);
        const before = tf.memory().numTensors;
        tf.dispose(tf.grad((x: tf.Tensor) => tf.sum(xnnCausalAttention(x as tf.Tensor2D, B, T, H)))(qkv));
        expect(tf.memory().numTensors).to.equal(before, 'no leaked tensors');
        qkv.dispose();
      });
    }

    it('causal attention: the first position attends only to itself (its output is its own v)', () => {
      const [B, T, H, C] = [1, 3, 1, 4];
      const qkv = randomFloats([B * T, 3 * C], 2);
      const y = fusedCausalAttention(qkv as tf.Tensor2D, B, T, H);
      const v0 = tf.slice(qkv, [0, 2 * C], [1, C]);
      expect(maxDiff(tf.slice(y, [0, 0], [1, C]), v0)).to.be.below(1e-6);
      tf.dispose([qkv, y, v0]);
    });

    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
      it(`batched matmul through depthwise convolution, transposeA ${ta}, transposeB ${tb}: ` +
        'values and both gradients', () => {
        const [G1, G2, M, K, N] = [2, 3, 4, 5, 6];
        const a = randomFloats(ta ? [G1, G2, K, M] : [G1, G2, M, K], 3);
        const b = randomFloats(tb ? [G1, G2, N, K] : [G1, G2, K, N], 4);
        compareWithGrads((x, y) => batchMatMul(x, y, ta, tb), (x, y) => tf.matMul(x, y, ta, tb), [a, b], 1e-5);
        tf.dispose([a, b]);
      });
    }

    it('batched matmul: a hand example, ones [2, 3, 5] · ones [2, 5, 4] is all 5s', () => {
      const c = batchMatMul(tf.ones([2, 3, 5]), tf.ones([2, 5, 4]));
      expect(c.shape).to.deep.equal([2, 3, 4]);
      expect(Array.from(c.dataSync()).every((x) => x === 5)).to.equal(true);
      c.dispose();
    });

    for (const withBias of [true, false]) {
      it(`LayerNorm ${withBias ? 'with' : 'without'} bias: values and the gradients of x, ` +
        `gain${withBias ? ' and bias' : ''}`, () => {
        const x = tf.mul(randomFloats([2, 3, 16], 5), 3);
        const g = tf.add(randomFloats([16], 6), 1);
        const b = randomFloats([16], 7);
        const reference = (xs: tf.Tensor, gs: tf.Tensor, bs?: tf.Tensor) => {
          const { mean, variance } = tf.moments(xs, -1, true);
          const y = tf.mul(tf.mul(tf.sub(xs, mean), tf.rsqrt(tf.add(variance, LN_EPS))), gs);
          return bs === undefined ? y : tf.add(y, bs);
        };
        const inputs = withBias ? [x, g, b] : [x, g];
        compareWithGrads((xs, gs, bs) => fusedLayerNorm(xs, gs, bs, LN_EPS), reference, inputs, 1e-5);
        tf.dispose([x, g, b]);
      });
    }

    it('LayerNorm: a hand example, [1, 2, 3] → [-1.2247, 0, 1.2247]', () => {
      const y = fusedLayerNorm(tf.tensor2d([[1, 2, 3]]), tf.ones([3]), undefined, 1e-5);
      const expected = [-Math.sqrt(1.5 / (1 + 1.5e-5)), 0, Math.sqrt(1.5 / (1 + 1.5e-5))];
      Array.from(y.dataSync()).forEach((v, i) => expect(v).to.be.closeTo(expected[i], 1e-5));
      y.dispose();
    });

    it('cross-entropy: values and the gradient of the logits; uniform logits give ln V', () => {
      const z = tf.mul(randomFloats([6, 7], 8), 4);
      const t = tf.tensor1d([0, 6, 3, 3, 1, 5], 'int32');
      const reference = (zs: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(zs, -1), tf.oneHot(t, 7)), -1)));
      compareWithGrads((zs) => fusedCrossEntropy(zs as tf.Tensor2D, t), reference, [z], 1e-5);
      const uniform = fusedCrossEntropy(tf.zeros([2, 4]) as tf.Tensor2D, tf.tensor1d([0, 3], 'int32'));
      expect(uniform.dataSync()[0]).to.be.closeTo(Math.log(4), 1e-6);
      tf.dispose([z, t, uniform]);
    });

    it('GELU: values and gradient against 0.5·x·(1 + erf(x/√2)); erf against known values', () => {
      const x = tf.mul(randomFloats([300], 9), 5);
      const reference = (xs: tf.Tensor) => tf.mul(tf.mul(xs, 0.5), tf.add(tf.erf(tf.mul(xs, Math.SQRT1_2)), 1));
      compareWithGrads(fusedGelu, reference, [x], 1e-5);
      x.dispose();
      // erf(0.5) = 0.5204998778, erf(1) = 0.8427007929, erf(-2) = -0.9953222650 (tables)
      expect(erf(0.5)).to.be.closeTo(0.5204998778, 2e-7);
      expect(erf(1)).to.be.closeTo(0.8427007929, 2e-7);
      expect(erf(-2)).to.be.closeTo(-0.9953222650, 2e-7);
    });

    it('GELU at the extremes: 0, ±30 and NaN; its slope (the saved gradient) at a hand-worked point', () => {
      const x = tf.tensor1d([0, 30, -30, NaN, 1]);
      const [y, dx] = tf.tidy(() => [fusedGelu(x), tf.grad((xs: tf.Tensor) => tf.sum(fusedGelu(xs)))(x)]);
      const [yv, dv] = [Array.from(y.dataSync()), Array.from(dx.dataSync())];
      expect(yv.slice(0, 3)).to.deep.equal([0, 30, 0]);
      expect(dv[0]).to.be.closeTo(0.5, 1e-7); // Φ(0) + 0·φ(0)
      expect(dv[1]).to.equal(1);
      expect(Math.abs(dv[2])).to.be.below(1e-30);
      expect(yv[3]).to.be.NaN;
      expect(dv[3]).to.be.NaN;
      // Φ(1) + φ(1) = 0.8413447461 + 0.2419707245 (normal tables)
      expect(dv[4]).to.be.closeTo(1.0833154706, 1e-6);
      tf.dispose([x, y, dx]);
    });

    it('AdamW: three fused steps equal three unfused steps, for a decaying matrix and a non-decaying vector', () => {
      const run = (fused: boolean) => withFused(fused, () => {
        const params = new Map<string, tf.Variable>([
          ['w', tf.variable(randomFloats([4, 3], 10))], ['b', tf.variable(randomFloats([3], 11))],
        ]);
        // Force the path under test on this backend, whatever FUSED_ON says by default.
        const opt = new AdamW(params, { beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1 });
        for (let s = 0; s < 3; s++) {
          const grads = new Map<string, tf.Tensor>([
            ['w', randomFloats([4, 3], 20 + s)], ['b', randomFloats([3], 30 + s)],
          ]);
          forceAdamW(fused, () => opt.update(grads, 0.01 * (s + 1)));
          tf.dispose([...grads.values()]);
        }
        const out = [...params.values(), ...opt.m.values(), ...opt.v.values()].map((v) => Array.from(v.dataSync()));
        opt.dispose();
        tf.dispose([...params.values()]);
        return out;
      });
      const a = run(true);
      const b = run(false);
      a.forEach((xs, i) => xs.forEach((x, j) => expect(x).to.be.closeTo(b[i][j], 1e-6, `tensor ${i} element ${j}`)));
      // and the parameters did move: the comparison is not between two untouched copies
      expect(a[0][0]).to.not.be.closeTo(Array.from(tf.tidy(() => randomFloats([4, 3], 10).dataSync()))[0], 1e-4);
    });

    it('AdamW with the default table: a large and a small parameter (fused or not by size) ' +
      'equal the unfused update', () => {
      const run = (on: boolean) => withFused(on, () => {
        const params = new Map<string, tf.Variable>([
          ['big', tf.variable(randomFloats([128, 160], 40))], ['small', tf.variable(randomFloats([16], 41))],
        ]);
        const opt = new AdamW(params);
        for (let s = 0; s < 2; s++) {
          const grads = new Map<string, tf.Tensor>([
            ['big', randomFloats([128, 160], 50 + s)], ['small', randomFloats([16], 60 + s)],
          ]);
          opt.update(grads, 0.01);
          tf.dispose([...grads.values()]);
        }
        const out = [...params.values()].map((v) => v.dataSync().slice());
        opt.dispose();
        tf.dispose([...params.values()]);
        return out;
      });
      const a = run(true);
      const b = run(false);
      a.forEach((xs, i) => {
        let worst = 0;
        xs.forEach((x, j) => { worst = Math.max(worst, Math.abs(x - b[i][j])); });
        expect(worst).to.be.below(1e-6, `parameter ${i}`);
      });
    });

    it('the whole model: the same loss and gradients with fused kernels on and off', () => {
      const model = tinyModel(); // biases on: every fused kernel's bias path
      const x = randomIds(2, 8, 11, 12);
      const y = randomIds(2, 8, 11, 13);
      const run = (on: boolean) => withFused(on, () => tf.variableGrads(() => model.loss(x, y), model.variables()));
      const f = run(true);
      const u = run(false);
      expect(f.value.dataSync()[0]).to.be.closeTo(u.value.dataSync()[0], 1e-5);
      for (const name of Object.keys(u.grads)) {
        expect(maxDiff(f.grads[name], u.grads[name])).to.be.below(1e-5 * Math.max(1, maxAbs(u.grads[name])), name);
      }
      tf.dispose([f.value, u.value, ...Object.values(f.grads), ...Object.values(u.grads), x, y]);
      model.dispose();
    });

    it('training: five Trainer steps give the same loss curve with fused kernels on and off', () => {
      const curve = (on: boolean) => withFused(on, () => {
        const model = tinyModel({ bias: false });
        const tokens = Uint16Array.from({ length: 400 }, (_, i) => (i * 7 + (i >> 3)) % 11);
        const stream = { tokens, docStarts: new Uint32Array([0]), firstDoc: 0, vocabSize: 11 };
        const trainer = new Trainer(model, { train: stream, val: stream }, makeTrainConfig({
          batchSize: 4, maxSteps: 5, schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 0, decaySteps: 5 },
        }));
        const losses: number[] = [];
        for (let s = 0; s < 5; s++) {
          const out = trainer.trainStep();
          losses.push(out.loss.dataSync()[0]);
          tf.dispose([out.loss, out.gradNorm]);
        }
        trainer.optimizer.dispose();
        model.dispose();
        return losses;
      });
      const on = curve(true);
      const off = curve(false);
      expect(on[4]).to.be.below(on[0] - 0.05, 'the loss falls, so the curves compare real training');
      on.forEach((l, i) => expect(l).to.be.closeTo(off[i], 1e-4, `step ${i + 1}`));
    });

    it('leaks no tensors: a fused forward and backward pass of the model', () => {
      const model = tinyModel();
      const x = randomIds(2, 8, 11, 14);
      const y = randomIds(2, 8, 11, 15);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => model.loss(x, y), model.variables());
      tf.dispose([value, ...Object.values(grads)]);
      expect(tf.memory().numTensors).to.equal(before);
      tf.dispose([x, y]);
      model.dispose();
    });
  });
}

describe('GELU\'s exp of a non-positive number', () => {
  it('matches Math.exp within 2e-7 relative from 0 down to -80, and stays at exp(-80) below', () => {
    let worst = 0;
    for (let u = 0; u >= -80; u -= 0.0137) worst = Math.max(worst, Math.abs(expNonPositive(u) / Math.exp(u) - 1));
    expect(worst).to.be.below(2e-7);
    expect(expNonPositive(0)).to.equal(1);
    expect(expNonPositive(-1000)).to.be.closeTo(Math.exp(-80), Math.exp(-80) * 1e-6);
  });
});

describe('GELU in WebAssembly SIMD', () => {
  it('compiles here, and agrees with the JavaScript GELU and slope within 3e-7 (relative above 1) on 1001 values ' +
    '(a partial last vector)', () => {
    expect(hasSimdGelu()).to.equal(true); // Node 16.4+ has WebAssembly SIMD
    const x = Float32Array.from({ length: 1001 }, (_, i) => (i - 500) / 60); // -8.3 .. 8.3, and 0
    const [y1, d1, y2, d2] = [0, 1, 2, 3].map(() => new Float32Array(x.length));
    simdGeluAndSlope(x, y1, d1);
    geluAndSlope(x, y2, d2);
    for (let i = 0; i < x.length; i++) {
      expect(y1[i]).to.be.closeTo(y2[i], 3e-7 * Math.max(1, Math.abs(y2[i])), `y at ${x[i]}`);
      expect(d1[i]).to.be.closeTo(d2[i], 3e-7 * Math.max(1, Math.abs(d2[i])), `d at ${x[i]}`);
    }
    // a second, larger call grows the module's memory
    const big = new Float32Array(100_000).fill(1);
    const [yb, db] = [new Float32Array(big.length), new Float32Array(big.length)];
    simdGeluAndSlope(big, yb, db);
    expect(yb[99_999]).to.be.closeTo(0.8413447461, 1e-6); // Φ(1)
    expect(db[99_999]).to.be.closeTo(1.0833154706, 1e-6);
  });
});

describe('fused.ts: where fused kernels run', () => {
  after(() => setFusedKernels(true));

  it('on by default, off with setFusedKernels(false) or withFused(false), ' +
    'only on backends that list the op', async () => {
    expect(fusedKernelsEnabled()).to.equal(process.env.GPTLAB_FUSED !== '0');
    await withBackend('wasm', () => {
      setFusedKernels(true);
      expect(useFused('layerNorm')).to.equal(true);
      expect(useFused('adamw')).to.equal(FUSED_ON.wasm.includes('adamw'));
      // every size fused by default; a FUSED_MAX_SIZE entry sends larger tensors to the composition
      expect(useFused('adamw', 128 * 512)).to.equal(true);
      FUSED_MAX_SIZE.wasm = { adamw: 16384 };
      try {
        expect(useFused('adamw', 128)).to.equal(true);
        expect(useFused('adamw', 128 * 512)).to.equal(false);
      } finally {
        delete FUSED_MAX_SIZE.wasm;
      }
      expect(withFused(false, () => useFused('layerNorm'))).to.equal(false);
    });
    await withBackend('cpu', () => {
      expect(useFused('attention')).to.equal(true);
      setFusedKernels(false);
      expect(useFused('attention')).to.equal(false);
      setFusedKernels(true);
    });
  });
});

/**
 * Runs fn with AdamW's fused path forced on or off on the active backend (FUSED_ON lists it only
 * for cpu by default), restoring the table after.
 */
function forceAdamW(on: boolean, fn: () => void): void {
  const table = FUSED_ON as Record<string, string[]>;
  const b = tf.getBackend();
  const saved = table[b];
  table[b] = on ? [...saved.filter((o) => o !== 'adamw'), 'adamw'] : saved.filter((o) => o !== 'adamw');
  try {
    fn();
  } finally {
    table[b] = saved;
  }
}
