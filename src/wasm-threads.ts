// Multithreaded WebAssembly in Node: tfjs's threaded wasm build, started by hand.
//
// tfjs-backend-wasm ships a threaded SIMD build (XNNPACK on a pthreadpool), but in Node its loader
// always picks the single-threaded one: it hands Emscripten's worker script over as a Blob URL, which
// Node's worker_threads cannot load. Node itself runs wasm threads fine (shared memory, Atomics.wait on
// the main thread). So this file starts the same threaded build with plain files instead of Blobs:
//   1. the worker script and the module's JavaScript are written once to a folder under the OS temp
//      directory, named by tfjs version and content (idempotent, shared by processes);
//   2. the Emscripten factory is called with those paths and our own instantiateWasm;
//   3. the result is wrapped in tfjs's own BackendWasm, registered under the name 'wasm', so every
//      kernel registered for wasm (tfjs's and gpt-lab's) runs on it unchanged.
// Threads go to XNNPACK's matmuls and convolutions (a 512x512 matMul: 39 → 73 GFLOP/s on 2 cores);
// tfjs's other wasm kernels stay single-threaded.
//
// GPTLAB_WASM_THREADS=N picks the thread count (default: the cores Node reports, at most 8);
// N=1 keeps tfjs's stock single-threaded module.
// Leaves out: browsers (tfjs's own loader handles them) and the non-SIMD threaded case (tfjs ships none).

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { assert } from './util/assert';

/** The most threads the default asks for: XNNPACK's small matmuls stop gaining well before this. */
export const MAX_DEFAULT_THREADS = 8;

/**
 * How many threads the wasm backend should use: GPTLAB_WASM_THREADS if set, else the cores Node
 * reports (os.availableParallelism), capped at MAX_DEFAULT_THREADS.
 *
 *   wasmThreadCount({ GPTLAB_WASM_THREADS: '2' }) → 2;   wasmThreadCount({ GPTLAB_WASM_THREADS: 'x' }) throws
 */
export function wasmThreadCount(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.GPTLAB_WASM_THREADS;
  if (raw === undefined || raw === '') {
    const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
    return Math.max(1, Math.min(cores, MAX_DEFAULT_THREADS));
  }
  const n = Number(raw);
  assert(Number.isInteger(n) && n >= 1 && n <= 64,
    () => `GPTLAB_WASM_THREADS='${raw}' is not a thread count: use a whole number from 1 (single-threaded) to 64, ` +
      `or leave it unset for one per core`);
  return n;
}

/** The parts of tfjs-backend-wasm this file uses. */
interface WasmPackage {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  BackendWasm: new (module: any) => tf.KernelBackend;
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

/** Emscripten's module object, as far as we touch it. */
interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: string[]): (...a: number[]) => number;
  PThread: { runningWorkers: { unref(): void }[]; unusedWorkers: { terminate(): Promise<number> }[] };
  tfjs?: object;
}
type Factory = ((config: object) => Promise<EmscriptenModule>) & { toString(): string };

/**
 * Writes `text` to `dir/name` unless an identical file is there, atomically (a temp file, then a
 * rename), so concurrent processes never see half a file. Returns the path.
 */
function writeOnce(dir: string, name: string, text: string): string {
  const file = path.join(dir, name);
  if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) return file;
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return file;
}

/** The worker script and the module's script as files, in a folder named by their content. */
function scriptFiles(factory: Factory, workerContents: string): { worker: string; main: string } {
  // subtle: tfjs keeps the worker's source in a template literal, which turned its "\n" escapes into
  // real newlines inside string literals; escape them back, as tfjs does before making its Blob.
  const worker = workerContents.replace(/\n/g, '\\n');
  // The worker evaluates this script to get the factory under the name its code calls.
  const main = `var WasmBackendModuleThreadedSimd = ${factory.toString()};\n`;
  const hash = crypto.createHash('sha256').update(worker).update(main).digest('hex').slice(0, 12);
  const dir = path.join(os.tmpdir(), `gpt-lab-wasm-${tf.version.tfjs}-${hash}`);
  fs.mkdirSync(dir, { recursive: true });
  return { worker: writeOnce(dir, 'worker.js', worker), main: writeOnce(dir, 'module.js', main) };
}

/** Starts the threaded module with `threads` threads and wraps it in tfjs's BackendWasm. */
async function startThreaded(pkg: WasmPackage, binary: string, threads: number): Promise<tf.KernelBackend> {
  // Deep paths into the package; a bundler inlines both, so the bundle needs only the .wasm file.
  const factory: Factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const { wasmWorkerContents } =
    require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
  const files = scriptFiles(factory, wasmWorkerContents);
  // Compiled here so that a bad binary fails this promise (and the stock module takes over) instead
  // of leaving Emscripten waiting for an instance that never comes.
  const compiled = await WebAssembly.compile(fs.readFileSync(binary));
  const events = ['uncaughtException', 'unhandledRejection'];
  const emitter = process as unknown as {
    listeners(e: string): unknown[]; removeListener(e: string, l: unknown): void;
  };
  const before = events.map((e) => emitter.listeners(e));
  const module = await factory({
    locateFile: (p: string) => (p.endsWith('.worker.js') ? files.worker : p.endsWith('.wasm') ? binary : p),
    mainScriptUrlOrBlob: files.main,
    instantiateWasm(
      info: { env: Record<string, unknown> }, receive: (i: WebAssembly.Instance, m: WebAssembly.Module) => void,
    ): WebAssembly.Exports {
      // subtle: tfjs's C side caps its thread pool at half the logical cores (it assumes two
      // hyperthreads per core), so 2 cores would get 1 thread; report enough cores for `threads`.
      info.env.emscripten_num_logical_cores = () => 2 * threads;
      // Synchronous (Node allows it at any size): a failure throws here, which Emscripten turns into a
      // rejection of the factory's promise.
      const instance = new WebAssembly.Instance(compiled, info as WebAssembly.Imports);
      receive(instance, compiled);
      return instance.exports;
    },
  });
  // subtle: Emscripten's glue adds process handlers that rethrow every uncaught error from inside
  // its one-line, 50 KB script, so Node would print that whole line above the user's own error; the
  // module never calls exit(), which is what they are for, so take them off again.
  events.forEach((e, i) => {
    for (const l of emitter.listeners(e)) if (!before[i].includes(l)) emitter.removeListener(e, l);
  });
  const c = (name: string, ret: string | null, args: string[]) => module.cwrap(name, ret, args);
  // The same bridge tfjs's own loader builds (backend_wasm.js, init()).
  module.tfjs = {
    init: c('init', null, []),
    initWithThreadsCount: c('init_with_threads_count', null, ['number']),
    getThreadsCount: c('get_threads_count', 'number', []),
    registerTensor: c('register_tensor', null, ['number', 'number', 'number']),
    disposeData: c('dispose_data', null, ['number']),
    dispose: c('dispose', null, []),
  };
  pkg.setThreadsCount(threads);
  const backend = new pkg.BackendWasm(module); // starts the thread pool
  // subtle: each pool thread is a worker_thread that Emscripten keeps referenced while it runs, and
  // pool threads never finish, so Node would never exit; the main thread's work does not need them alive.
  for (const w of module.PThread.runningWorkers) w.unref();
  // Emscripten started a pool of 8 workers up front (about 9 MiB each); the thread pool holds the
  // ones it needs, so end the idle rest (should a thread be created later, Emscripten starts one).
  for (const w of module.PThread.unusedWorkers.splice(0)) void w.terminate();
  return backend;
}

/**
 * Registers the threaded module as tfjs's 'wasm' backend (replacing the stock factory) when more than
 * one thread is asked for. Call before the wasm backend first starts. Returns a function that puts the
 * stock factory back, for when the threaded start fails.
 *
 *   const undo = await useThreadedWasm(require('@tensorflow/tfjs-backend-wasm'), '/…/dist/', 2);
 *   if (!(await tf.setBackend('wasm'))) { undo(); await tf.setBackend('wasm'); }
 */
export async function useThreadedWasm(
  pkg: WasmPackage, binaryFolder: string, threads: number,
): Promise<(() => void) | undefined> {
  const binary = path.join(binaryFolder, 'tfjs-backend-wasm-threaded-simd.wasm');
  const stock = tf.findBackendFactory('wasm');
  if (threads <= 1 || stock == null || !fs.existsSync(binary) ||
    typeof SharedArrayBuffer === 'undefined') return undefined;
  // The threaded build is a SIMD build; tfjs's kernels also read this flag, so it must be settled now.
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return undefined;
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => startThreaded(pkg, binary, threads), 2);
  return () => {
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', stock, 2);
  };
}
