// Backend choice: what initBackend picks on a machine with no GPU and no native TensorFlow (wasm),
// how forcing works and fails, and what `gpt-lab backend` prints.

import { expect } from 'chai';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { adapterName, BackendName, initBackend, probeBackend, softwareAdapterReason, withBackend } from '../src/backend';
import { GptLabError } from '../src/util/assert';
import { wasmThreadCount } from '../src/wasm-threads';

const root = path.join(__dirname, '..', '..'); // dist/test → the project

/** The error `p` rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

/** Runs the CLI with GPTLAB_BACKEND unset. */
function cli(...args: string[]) {
  const env = { ...process.env };
  delete env.GPTLAB_BACKEND;
  return spawnSync(process.execPath, [path.join(root, 'bin', 'gpt-lab.js'), 'backend', ...args], { cwd: root, env, encoding: 'utf8', timeout: 60_000 });
}

describe('initBackend', () => {
  const saved = process.env.GPTLAB_BACKEND;
  let gpu = false; // a real GPU here (then webgpu, not wasm, is the default)
  before(async function () {
    this.timeout(30_000);
    delete process.env.GPTLAB_BACKEND;
    gpu = (await probeBackend('webgpu', { adapterTimeoutMs: 5000 })).available;
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.GPTLAB_BACKEND; else process.env.GPTLAB_BACKEND = saved;
  });
  after(async () => { await initBackend(); });

  it('picks wasm on a machine without a GPU or native TensorFlow, and says why', async function () {
    const choice = await initBackend();
    if (gpu || choice.tried[0].available) this.skip();
    expect(choice.name).to.equal('wasm');
    expect(tf.getBackend()).to.equal('wasm');
    expect(choice.reason).to.match(/fastest backend that runs here/);
    const threads = wasmThreadCount();
    expect(choice.device).to.match(threads > 1 ? new RegExp(`WebAssembly SIMD, ${threads} threads`) : /WebAssembly SIMD, single-threaded/);
    expect(choice.tried.map((t) => [t.name, t.available])).to.deep.equal([['tensorflow', false], ['webgpu', false], ['wasm', true]]);
    choice.tried.forEach((t) => expect(t.why).to.be.a('string').and.not.equal(''));
    expect(choice.kernels.direct).to.include('UnsortedSegmentSum');
    expect(choice.describe()).to.include('backend: wasm').and.include('tensorflow').and.include('UnsortedSegmentSum');
  });

  it('returns the same choice when called twice', async () => {
    expect(await initBackend()).to.equal(await initBackend());
  });

  it('uses cpu when forced, by option or by GPTLAB_BACKEND', async () => {
    const byOption = await initBackend({ backend: 'cpu' });
    expect([byOption.name, tf.getBackend()]).to.deep.equal(['cpu', 'cpu']);
    expect(byOption.reason).to.equal('forced by the backend option');
    await initBackend();
    process.env.GPTLAB_BACKEND = 'cpu';
    const byEnv = await initBackend();
    expect([byEnv.name, tf.getBackend(), byEnv.reason]).to.deep.equal(['cpu', 'cpu', 'forced by GPTLAB_BACKEND=cpu']);
  });

  it('lets the option win over GPTLAB_BACKEND', async () => {
    process.env.GPTLAB_BACKEND = 'tensorflow';
    expect((await initBackend({ backend: 'cpu' })).name).to.equal('cpu');
  });

  it('rejects forcing tensorflow when it is not installed, naming the package to install', async function () {
    if ((await probeBackend('tensorflow')).available) this.skip();
    const active = (await initBackend()).name;
    const e = await rejection(initBackend({ backend: 'tensorflow' }));
    expect(e).to.be.instanceOf(GptLabError);
    expect(e.message).to.include('npm install @tensorflow/tfjs-node-gpu').and.include('CUDA').and.include('@tensorflow/tfjs-node@');
    expect(tf.getBackend(), 'the backend that worked stays active').to.equal(active);
  });

  it('rejects an invalid GPTLAB_BACKEND, listing the valid names', async () => {
    process.env.GPTLAB_BACKEND = 'cuda';
    const e = await rejection(initBackend());
    expect(e).to.be.instanceOf(GptLabError);
    expect(e.message).to.include("GPTLAB_BACKEND='cuda'").and.include('tensorflow, webgpu, wasm, cpu');
    const e2 = await rejection(initBackend({ backend: 'gpu' as BackendName, source: '--backend' }));
    expect(e2.message).to.include("--backend='gpu'").and.include('tensorflow, webgpu, wasm, cpu');
  });

  it('finds webgpu unavailable without a GPU, with a reason, within the adapter time limit', async function () {
    this.timeout(20_000);
    if (gpu) this.skip();
    const webgpu = await probeBackend('webgpu', { adapterTimeoutMs: 5000 });
    expect(webgpu.available).to.equal(false);
    expect(webgpu.why).to.match(/adapter|webgpu/i);
    const e = await rejection(initBackend({ backend: 'webgpu' }));
    expect(e).to.be.instanceOf(GptLabError);
    expect(e.message).to.include('Vulkan').and.include('GPTLAB_WEBGPU_SOFTWARE=1');
  });

  it('tells software WebGPU adapters from GPUs', () => {
    const swiftshader = { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader Device (Subzero)' };
    const llvmpipe = { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.7, 256 bits)' };
    const h100 = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100 80GB HBM3', backendType: 'vulkan' };
    expect(softwareAdapterReason({}, swiftshader)).to.match(/swiftshader/i);
    expect(softwareAdapterReason({}, llvmpipe)).to.match(/llvmpipe/);
    expect(softwareAdapterReason({}, { ...h100, adapterType: 'CPU' })).to.match(/CPU/);
    expect(softwareAdapterReason({ isFallbackAdapter: true }, h100)).to.match(/fallback/);
    expect(softwareAdapterReason({}, h100)).to.equal(undefined);
    expect(adapterName(h100)).to.equal('nvidia hopper (NVIDIA H100 80GB HBM3, vulkan)');
  });

  it('does not take the tfjs-node alias (plain tfjs under that name) for native TensorFlow', async function () {
    const manifest = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node', 'package.json');
    if (!fs.existsSync(manifest) || JSON.parse(fs.readFileSync(manifest, 'utf8')).name === '@tensorflow/tfjs-node') this.skip();
    const native = await probeBackend('tensorflow');
    expect(native.available).to.equal(false);
    expect(native.why).to.include('@tensorflow/tfjs-node is @tensorflow/tfjs@').and.include('alias');
    expect(tf.findBackendFactory('tensorflow')).to.equal(null);
  });

  it('withBackend runs on the named backend and restores the previous one', async () => {
    await initBackend();
    const before = tf.getBackend();
    expect(await withBackend('cpu', () => tf.getBackend())).to.equal('cpu');
    expect(tf.getBackend()).to.equal(before);
  });
});

describe('gpt-lab backend', () => {
  let expected: string;
  before(async () => {
    const saved = process.env.GPTLAB_BACKEND;
    delete process.env.GPTLAB_BACKEND;
    expected = (await initBackend()).name; // wasm on a machine without a GPU
    if (saved !== undefined) process.env.GPTLAB_BACKEND = saved;
  });

  it('prints the choice, the reason, the device, the candidates and the bridged kernels', () => {
    const r = cli();
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout).to.include(`backend: ${expected}`).and.include('why:').and.include('device:').and.include('tried:').and.include('kernels:');
  });

  it('prints JSON with --json', () => {
    const r = cli('--json');
    expect(r.status, r.stderr).to.equal(0);
    const out = JSON.parse(r.stdout);
    expect(out.name).to.equal(expected);
    expect(out.tried.at(-1)).to.deep.include({ name: expected, available: true });
    expect(out.kernels.backend).to.equal(expected);
  });

  it('exits 1 with one line naming the package when a forced backend is missing', function () {
    if (expected === 'tensorflow') this.skip();
    const r = cli('--backend', 'tensorflow');
    expect(r.status).to.equal(1);
    expect(r.stderr).to.include("gpt-lab backend: backend 'tensorflow' (forced by --backend) is not available").and.include('npm install @tensorflow/tfjs-node-gpu');
  });
});
