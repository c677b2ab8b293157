// Child process for test/wasm-threads.test.ts: the threaded module fails to start (its binary is
// garbage), and the stock single-threaded module takes over. Prints JSON.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { useThreadedWasm } from '../../src/wasm-threads';

async function main(): Promise<void> {
  const pkg = require('@tensorflow/tfjs-backend-wasm');
  const real = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  const bad = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-badwasm-'));
  fs.writeFileSync(path.join(bad, 'tfjs-backend-wasm-threaded-simd.wasm'), 'not a wasm binary');
  pkg.setWasmPaths(real + path.sep);
  const undo = await useThreadedWasm(pkg, bad, 2);
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...a: unknown[]) => { warnings.push(a.map(String).join(' ')); };
  const threaded = await tf.setBackend('wasm');
  console.warn = warn;
  undo?.();
  const stock = await tf.setBackend('wasm');
  const sum = tf.sum(tf.matMul(tf.ones([4, 3]), tf.ones([3, 2]))).dataSync()[0];
  fs.rmSync(bad, { recursive: true });
  process.stdout.write(JSON.stringify({ registered: undo !== undefined, threaded, stock, threads: pkg.getThreadsCount(), sum, warned: warnings.length > 0 }));
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
