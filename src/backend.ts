// Picks the tfjs backend gpt-lab computes on, and says why.
//
// Order when nothing is forced: native TensorFlow (tfjs-node-gpu, then tfjs-node, only if really
// installed), WebGPU on a real GPU (Dawn, through the `webgpu` package), WebAssembly, plain JavaScript.
// GPTLAB_BACKEND=tensorflow|webgpu|wasm|cpu, or the `backend` option (which wins), forces one; forcing
// one that cannot run here is an error that says what to install. Every backend but cpu gets
// fallbacks for the kernels it lacks, and cpu a fast UnsortedSegmentSum (src/kernels/fallback.ts).
// wasm runs multithreaded (src/wasm-threads.ts; GPTLAB_WASM_THREADS=1 for tfjs's single-threaded module).
// Leaves out: webgl (browsers only).

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { assert, GptLabError } from './util/assert';
import { PROJECT_ROOT } from './util/project';
import { FallbackReport, installFallbackKernels } from './kernels/fallback';
import { cpuBackend } from './kernels/bridge';
import { useThreadedWasm, wasmThreadCount } from './wasm-threads';

/** The backends gpt-lab knows, fastest first. */
export const BACKEND_NAMES = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** Use this backend or fail (wins over GPTLAB_BACKEND); unset: the fastest available. */
  backend?: BackendName;
  /** Where `backend` came from, for error messages (e.g. '--backend'). */
  source?: string;
  /** Accept a software WebGPU adapter (SwiftShader, llvmpipe); GPTLAB_WEBGPU_SOFTWARE=1 does too. */
  allowSoftwareAdapter?: boolean;
  /** How long to wait for a WebGPU adapter before calling WebGPU unavailable, in ms. Default 5000. */
  adapterTimeoutMs?: number;
}

/** One backend that was considered, and why it was or was not usable. */
export interface Candidate {
  name: BackendName;
  available: boolean;
  why: string;
}

/** The backend initBackend settled on. */
export interface BackendChoice {
  name: BackendName;
  /** Why this one, as a sentence. */
  reason: string;
  /** What computes: a GPU's name, or which kind of CPU code. */
  device: string;
  /** Every candidate considered, in order, the chosen one last. */
  tried: Candidate[];
  /** Kernels the backend lacked and what stands in for them. */
  kernels: FallbackReport;
  /** A few readable lines: backend, device, candidates, fallback kernels. */
  describe(): string;
}

/** What each backend needs, for the error when a forced one is missing. */
const INSTALL: Record<BackendName, string> = {
  tensorflow: `\`npm install @tensorflow/tfjs-node-gpu@${tf.version.tfjs}\` for an NVIDIA GPU (Linux x64 ` +
    `with CUDA 11.8 and cuDNN 8.6), or \`npm install @tensorflow/tfjs-node@${tf.version.tfjs}\` for the CPU; ` +
    'both download libtensorflow while installing, so they need network access',
  webgpu: 'the `webgpu` npm package and a GPU with a working driver (on Linux: the vendor driver with Vulkan ' +
    'support and the Vulkan loader, libvulkan1); to accept a software adapter (SwiftShader, llvmpipe) set ' +
    'GPTLAB_WEBGPU_SOFTWARE=1',
  wasm: `\`npm install @tensorflow/tfjs-backend-wasm@${tf.version.tfjs}\`; in a bundle, copy ` +
    'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm beside it',
  cpu: '@tensorflow/tfjs, which includes it: reinstall it',
};

/**
 * Checks a backend name from the user.
 *
 *   parseBackendName('wasm', '--backend') → 'wasm';  parseBackendName('cuda', 'GPTLAB_BACKEND') throws
 */
export function parseBackendName(value: string, source: string): BackendName {
  assert((BACKEND_NAMES as readonly string[]).includes(value),
    () => `${source}='${value}' is not a backend; valid names: ${BACKEND_NAMES.join(', ')} ` +
      '(or leave it unset to pick the fastest)');
  return value as BackendName;
}

// ---- probes: can backend X run here? Each runs once per process, then answers from its cache. ----

interface Probe extends Candidate {
  device: string;
}

const unavailable = (name: BackendName, why: string): Probe => ({ name, available: false, why, device: '' });

/** Loads a native TensorFlow package if it is really installed here (not an alias of plain tfjs). */
function loadNative(pkg: string): { ok: boolean; why: string } {
  let manifest: { name?: string; version?: string };
  try {
    manifest = JSON.parse(fs.readFileSync(require.resolve(`${pkg}/package.json`), 'utf8'));
  } catch {
    return { ok: false, why: `${pkg} is not installed` };
  }
  if (manifest.name !== pkg) {
    return {
      ok: false,
      why: `node_modules/${pkg} is ${manifest.name}@${manifest.version} under another name (an npm alias), ` +
        'not the native binding',
    };
  }
  try {
    require(pkg);
  } catch (e) {
    return {
      ok: false,
      why: `${pkg}@${manifest.version} is installed but failed to load: ${String((e as Error).message).split('\n')[0]}`,
    };
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return {
      ok: false,
      why: `${pkg}@${manifest.version} loaded but registered no 'tensorflow' backend with this @tensorflow/tfjs ` +
        `(${tf.version.tfjs}); install matching versions`,
    };
  }
  return { ok: true, why: `${pkg}@${manifest.version} is installed and registered the 'tensorflow' backend` };
}

async function probeTensorflow(): Promise<Probe> {
  const whys: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const { ok, why } = loadNative(pkg);
    if (!ok) { whys.push(why); continue; }
    if (!(await tf.setBackend('tensorflow'))) return unavailable('tensorflow', `${why}, but it failed to start`);
    const device = pkg.endsWith('-gpu')
      ? 'NVIDIA GPU through CUDA (libtensorflow; CPU if CUDA is missing)'
      : 'CPU through libtensorflow';
    return { name: 'tensorflow', available: true, why, device };
  }
  return unavailable('tensorflow', whys.join('; '));
}

/** The parts of a WebGPU adapter we look at (structural, so no WebGPU typings are needed). */
export interface GpuAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  /** Dawn's extras: 'discrete GPU' | 'integrated GPU' | 'CPU' | 'unknown', and 'vulkan', 'metal'... */
  adapterType?: string;
  backendType?: string;
  isFallbackAdapter?: boolean;
}
export interface GpuAdapter {
  info?: GpuAdapterInfo;
  /** Older spelling of info.isFallbackAdapter. */
  isFallbackAdapter?: boolean;
  /** Older way to get `info`. */
  requestAdapterInfo?(): Promise<GpuAdapterInfo>;
}

/** 'nvidia hopper (NVIDIA H100 80GB HBM3, vulkan)' from an adapter's info. */
export function adapterName(info: GpuAdapterInfo): string {
  const name = [info.vendor, info.architecture].filter((s) => s).join(' ') || 'unknown GPU';
  const details = [info.description || info.device, info.backendType].filter((s) => s);
  return details.length > 0 ? `${name} (${details.join(', ')})` : name;
}

/** Why this adapter is a software renderer, or undefined for a real GPU. */
export function softwareAdapterReason(adapter: GpuAdapter, info: GpuAdapterInfo): string | undefined {
  if (adapter.isFallbackAdapter || info.isFallbackAdapter) return 'it is a fallback adapter';
  if (/cpu/i.test(info.adapterType ?? '')) return `its adapter type is '${info.adapterType}'`;
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  const m = /swiftshader|llvmpipe|lavapipe|softpipe|basic render/i.exec(text);
  return m ? `${m[0]} renders in software` : undefined;
}

/**
 * On Linux, whether the Vulkan loader Dawn needs can be found: in a usual library directory, on
 * LD_LIBRARY_PATH, or in the linker cache (`ldconfig -p`).
 */
function vulkanLoaderFound(): boolean {
  const dirs = [...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d),
    '/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/lib/x86_64-linux-gnu',
    '/lib64', '/lib'];
  if (dirs.some((d) => fs.existsSync(path.join(d, 'libvulkan.so.1')))) return true;
  const cache = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  return cache.status === 0 && cache.stdout.includes('libvulkan.so.1');
}

/** Resolves to `fallback` if `p` has not settled within `ms`. */
function within<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  return new Promise((resolve, reject) => {
    // subtle: not unref'd: while Dawn works, this timer may be all that keeps Node from exiting.
    const timer = setTimeout(() => resolve(fallback), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

async function probeWebgpu(allowSoftware: boolean, timeoutMs: number): Promise<Probe> {
  let info: GpuAdapterInfo | undefined; // undefined when someone else registered webgpu
  if (tf.findBackendFactory('webgpu') == null) {
    // subtle: without the Vulkan loader Dawn can drive no GPU on Linux, and asking it anyway prints
    // its own warning to stderr (into the notebook); say so ourselves instead.
    if (process.platform === 'linux' && !vulkanLoaderFound()) {
      return unavailable('webgpu', 'no WebGPU adapter: libvulkan.so.1, the Vulkan loader, is not installed ' +
        '(Debian: apt-get install libvulkan1)');
    }
    let webgpu: { create(flags: string[]): unknown; globals: object };
    try {
      // subtle: a real dynamic import (kept as import() by module node16): `webgpu` is ESM-only.
      webgpu = await import('webgpu');
    } catch (e) {
      return unavailable('webgpu', `the 'webgpu' package could not be loaded: ${(e as Error).message.split('\n')[0]}`);
    }
    const gpu = webgpu.create([]) as { requestAdapter(o: object): Promise<GpuAdapter | null> };
    const adapter = await within(gpu.requestAdapter({ powerPreference: 'high-performance' }), timeoutMs,
      'timeout' as const);
    if (adapter === 'timeout') return unavailable('webgpu', `no WebGPU adapter answered within ${timeoutMs} ms`);
    if (adapter == null) {
      return unavailable('webgpu',
        'no WebGPU adapter: Dawn found no GPU it can drive (no GPU, or no Vulkan driver for it)');
    }
    const found = adapter.info ?? (await adapter.requestAdapterInfo?.()) ?? {};
    const software = softwareAdapterReason(adapter, found);
    if (software !== undefined && !allowSoftware) {
      return unavailable('webgpu', `the only WebGPU adapter, ${adapterName(found)}, is not a GPU (${software}); ` +
        'set GPTLAB_WEBGPU_SOFTWARE=1 to use it anyway');
    }
    info = found;
    // subtle: tfjs-backend-webgpu registers itself at load time only if navigator.gpu exists, so
    // set it (and the GPU* globals its shaders use) first and load the backend afterwards.
    Object.assign(globalThis, webgpu.globals);
    const g = globalThis as { navigator?: object };
    if (g.navigator == null) {
      Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
    }
    Object.defineProperty(g.navigator, 'gpu', { value: gpu, writable: true, configurable: true });
    require('@tensorflow/tfjs-backend-webgpu');
    if (tf.findBackendFactory('webgpu') == null) {
      return unavailable('webgpu', '@tensorflow/tfjs-backend-webgpu was imported before navigator.gpu existed, ' +
        'so it did not register; call initBackend before importing it');
    }
  }
  if (!(await tf.setBackend('webgpu'))) {
    return unavailable('webgpu', `tfjs could not start WebGPU on ${adapterName(info ?? {})} (see the warning above)`);
  }
  const device = adapterName(info ?? (tf.backend() as { adapterInfo?: GpuAdapterInfo }).adapterInfo ?? {});
  return { name: 'webgpu', available: true, why: `WebGPU adapter ${device}`, device };
}

/** The folder holding the .wasm binaries: beside this code when bundled, else in the package. */
function wasmBinaryFolder(): string | undefined {
  const folders = [__dirname, path.dirname(process.argv[1] ?? '.')];
  try { folders.splice(1, 0, path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))); } catch { /* bundled */ }
  return folders.find((d) => fs.existsSync(path.join(d, 'tfjs-backend-wasm-simd.wasm')));
}

async function probeWasm(): Promise<Probe> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = require('@tensorflow/tfjs-backend-wasm');
  } catch (e) {
    return unavailable('wasm',
      `@tensorflow/tfjs-backend-wasm could not be loaded: ${(e as Error).message.split('\n')[0]}`);
  }
  let from = 'already started';
  if (tf.engine().registry['wasm'] == null) {
    // subtle: a failed start cannot be retried (setWasmPaths then throws), so find the files first.
    const folder = wasmBinaryFolder();
    if (folder === undefined) {
      return unavailable('wasm', 'the .wasm binaries were found neither beside this script nor in node_modules');
    }
    wasm.setWasmPaths(folder + path.sep);
    // relative to the project, not the working directory, so a notebook and a shell say the same
    const rel = path.relative(PROJECT_ROOT, folder);
    from = `binaries in ${rel.startsWith('..') ? folder : rel || '.'}`;
    const stock = await useThreadedWasm(wasm, folder, wasmThreadCount());
    if (stock !== undefined && !(await tf.setBackend('wasm'))) {
      stock(); // the threaded start failed (tfjs printed why): the single-threaded module still works
      from += '; the threaded module failed to start';
    }
  }
  if (!(await tf.setBackend('wasm'))) {
    return unavailable('wasm', 'the WebAssembly module failed to start (see the warning above)');
  }
  const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? ' SIMD' : '';
  const n = wasm.getThreadsCount();
  const threads = n > 1 ? `${n} threads` : 'single-threaded';
  return {
    name: 'wasm', available: true, why: `WebAssembly runs here (${from})`,
    device: `CPU (WebAssembly${simd}, ${threads})`,
  };
}

async function probeCpu(): Promise<Probe> {
  assert(await tf.setBackend('cpu'), () => `the cpu backend failed to start; it needs ${INSTALL.cpu}`);
  cpuBackend(); // silences tfjs's banner advising tfjs-node: the report above says what runs here
  return { name: 'cpu', available: true, why: 'plain JavaScript runs everywhere', device: 'CPU (plain JavaScript)' };
}

const probes = new Map<string, Promise<Probe>>();

/** Whether `name` can run here (cached). An available backend is left active. */
export async function probeBackend(name: BackendName, opts: BackendOptions = {}): Promise<Candidate> {
  return toCandidate(await probe(name, opts));
}

async function probe(name: BackendName, opts: BackendOptions): Promise<Probe> {
  const allowSoftware = opts.allowSoftwareAdapter ?? process.env.GPTLAB_WEBGPU_SOFTWARE === '1';
  const key = name === 'webgpu' ? `webgpu:${allowSoftware}` : name;
  let p = probes.get(key);
  if (p === undefined) {
    p = name === 'tensorflow' ? probeTensorflow()
      : name === 'webgpu' ? probeWebgpu(allowSoftware, opts.adapterTimeoutMs ?? 5000)
      : name === 'wasm' ? probeWasm() : probeCpu();
    probes.set(key, p);
  }
  const result = await p;
  if (result.available && tf.getBackend() !== name) await tf.setBackend(name);
  return result;
}

const toCandidate = ({ name, available, why }: Probe): Candidate => ({ name, available, why });

// ---- the choice ----

function describeChoice(c: Omit<BackendChoice, 'describe'>): string {
  const width = Math.max(...c.tried.map((t) => t.name.length));
  const k = c.kernels;
  const kernels = [
    k.direct.length > 0 ? `${k.direct.join(', ')} in JavaScript` : '',
    k.replaced.length > 0 ? `${k.replaced.join(', ')} replaced by a faster JavaScript one` : '',
    k.bridged.length > 0 ? `${k.bridged.length} bridged to cpu (${k.bridged.join(', ')})` : '',
    k.skipped.length > 0 ? `${k.skipped.length} unavailable (${k.skipped.map((s) => s.kernel).join(', ')})` : '',
  ].filter((s) => s).join('; ') || 'none missing';
  return [
    `backend: ${c.name}`,
    `why:     ${c.reason}`,
    `device:  ${c.device}`,
    'tried:',
    ...c.tried.map((t) => `  ${t.available ? '✓' : '✗'} ${t.name.padEnd(width)}  ${t.why}`),
    `kernels: ${kernels}`,
  ].join('\n');
}

async function choose(forced: BackendName | undefined, source: string, opts: BackendOptions): Promise<BackendChoice> {
  const tried: Candidate[] = [];
  for (const name of forced !== undefined ? [forced] : BACKEND_NAMES) {
    const p = await probe(name, opts);
    tried.push(toCandidate(p));
    if (!p.available) continue;
    const reason = forced !== undefined ? `forced by ${source}`
      : `the fastest backend that runs here, in the order ${BACKEND_NAMES.join(' > ')}`;
    installFallbackKernels('cpu'); // its replacements help tests and code that switch to cpu later
    const base = { name, reason, device: p.device, tried, kernels: installFallbackKernels(name) };
    return { ...base, describe: () => describeChoice(base) };
  }
  const name = forced ?? 'cpu';
  throw new GptLabError(`backend '${name}' (forced by ${source}) is not available: ${tried[tried.length - 1].why}. ` +
    `It needs ${INSTALL[name]}`);
}

const choices = new Map<string, Promise<BackendChoice>>();
let current: BackendChoice | undefined;

/**
 * Picks, starts and returns the backend (see the header for the order). Idempotent: a second call
 * with the same request returns the same choice (and makes it active again) without probing.
 *
 *   const choice = await initBackend();   console.log(choice.describe());
 */
export async function initBackend(opts: BackendOptions = {}): Promise<BackendChoice> {
  const env = process.env.GPTLAB_BACKEND;
  const forced = opts.backend !== undefined ? parseBackendName(opts.backend, opts.source ?? 'the backend option')
    : env !== undefined && env !== '' ? parseBackendName(env, 'GPTLAB_BACKEND') : undefined;
  const source = opts.backend !== undefined ? (opts.source ?? 'the backend option') : `GPTLAB_BACKEND=${env}`;
  const key = forced === undefined
    ? `auto:${opts.allowSoftwareAdapter ?? ''}`
    : `${forced}:${source}:${opts.allowSoftwareAdapter ?? ''}`;
  let p = choices.get(key);
  if (p === undefined) {
    const previous = tf.getBackend();
    p = choose(forced, source, opts).catch(async (e) => {
      choices.delete(key);
      // A failed start leaves tfjs without an active backend; put back the one that worked before.
      await tf.setBackend(previous !== undefined && tf.engine().registry[previous] != null ? previous : 'cpu');
      throw e;
    });
    choices.set(key, p);
  }
  const choice = await p;
  if (tf.getBackend() !== choice.name) await tf.setBackend(choice.name);
  current = choice;
  return choice;
}

/** The choice of the last initBackend call, if any. */
export function currentChoice(): BackendChoice | undefined {
  return current;
}

/** The active tfjs backend, as one of gpt-lab's names. */
export function backendName(): BackendName {
  return parseBackendName(tf.getBackend(), 'the active tfjs backend');
}

/**
 * Runs `fn` with backend `name` active (starting it and its fallback kernels if needed), then
 * restores the previous backend. For tests that compare backends.
 *
 *   const lossOnWasm = await withBackend('wasm', () => loss(batch).dataSync()[0]);
 */
export async function withBackend<T>(name: BackendName, fn: () => T | Promise<T>): Promise<T> {
  const previous = tf.getBackend();
  const p = await probe(name, {});
  assert(p.available,
    () => `withBackend('${name}'): the backend is not available: ${p.why}. It needs ${INSTALL[name]}`);
  installFallbackKernels(name);
  try {
    return await fn();
  } finally {
    if (previous !== undefined && previous !== name) await tf.setBackend(previous);
  }
}
