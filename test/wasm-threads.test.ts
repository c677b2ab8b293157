// The threaded wasm module (src/wasm-threads.ts): the thread count setting, and that 1 and 2 threads
// compute the same numbers (the matmul against plain JavaScript) and let Node exit on its own.

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { MAX_DEFAULT_THREADS, wasmThreadCount } from '../src/wasm-threads';
import { GptLabError } from '../src/util/assert';
import { initBackend } from '../src/backend';

const helper = path.join(__dirname, 'helpers', 'wasm-run.js');

interface Run { device: string; mm: number[]; loss: number; gradHeads: number[][]; listeners: number }

function runWith(threads: string): Run {
  const env = { ...process.env, GPTLAB_WASM_THREADS: threads };
  const r = spawnSync(process.execPath, [helper], { env, encoding: 'utf8', timeout: 60_000 });
  expect(r.error, `the child with ${threads} thread(s) did not exit within 60 s`).to.equal(undefined);
  expect(r.status, r.stderr).to.equal(0);
  return JSON.parse(r.stdout) as Run;
}

/** The same seeded product in plain JavaScript (tfjs draws seeded random numbers the same on every backend). */
function referenceProduct(): number[] {
  const a = tf.randomNormal([300, 200], 0, 1, 'float32', 1).dataSync();
  const b = tf.randomNormal([200, 150], 0, 1, 'float32', 2).dataSync();
  const out: number[] = [];
  for (let i = 0; i < 300; i++) {
    for (let j = 0; j < 150; j++) {
      let s = 0;
      for (let k = 0; k < 200; k++) s += a[i * 200 + k] * b[k * 150 + j];
      out.push(s);
    }
  }
  return out;
}

describe('wasmThreadCount', () => {
  it('reads GPTLAB_WASM_THREADS', () => {
    expect(wasmThreadCount({ GPTLAB_WASM_THREADS: '2' })).to.equal(2);
    expect(wasmThreadCount({ GPTLAB_WASM_THREADS: '1' })).to.equal(1);
  });

  it('defaults to one thread per core, at most MAX_DEFAULT_THREADS', () => {
    const n = wasmThreadCount({});
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    expect(n).to.equal(Math.min(cores, MAX_DEFAULT_THREADS));
  });

  for (const bad of ['0', '-1', '1.5', 'two', '65']) {
    it(`rejects GPTLAB_WASM_THREADS='${bad}', naming it`, () => {
      expect(() => wasmThreadCount({ GPTLAB_WASM_THREADS: bad })).to.throw(GptLabError, `GPTLAB_WASM_THREADS='${bad}'`);
    });
  }
});

describe('threaded wasm', function () {
  this.timeout(180_000);
  let one: Run;
  let two: Run;
  before(async () => {
    await initBackend({ backend: 'cpu' }); // for the reference product in this process
    one = runWith('1');
    two = runWith('2');
  });

  it('starts the single-threaded module for 1 thread and the threaded one for 2', () => {
    expect(one.device).to.match(/WebAssembly SIMD, single-threaded/);
    expect(two.device).to.match(/WebAssembly SIMD, 2 threads/);
  });

  it('leaves no process-wide error handlers behind (Emscripten adds two)', () => {
    expect(two.listeners).to.equal(0);
  });

  it('multiplies matrices like plain JavaScript, on 1 and on 2 threads', () => {
    const ref = referenceProduct();
    for (const run of [one, two]) {
      expect(run.mm).to.have.length(ref.length);
      const worst = Math.max(...run.mm.map((v, i) => Math.abs(v - ref[i])));
      expect(worst).to.be.below(1e-3); // sums of 200 products of N(0,1) values, in float32
    }
  });

  it('gives the same GPT loss and gradients on 1 and 2 threads', () => {
    expect(two.loss).to.be.closeTo(one.loss, 1e-6);
    expect(two.gradHeads.length).to.equal(one.gradHeads.length);
    one.gradHeads.forEach((g, i) => g.forEach((v, j) => expect(two.gradHeads[i][j]).to.be.closeTo(v, 1e-6)));
  });
});

describe('threaded wasm that fails to start', () => {
  it('gives way to the single-threaded module, which then computes', function () {
    this.timeout(60_000);
    const r = spawnSync(process.execPath, [path.join(__dirname, 'helpers', 'wasm-fallback.js')], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out).to.deep.include({ registered: true, threaded: false, stock: true, threads: 1, sum: 24, warned: true });
  });
});
