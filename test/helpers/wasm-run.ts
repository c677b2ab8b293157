// Child process for test/wasm-threads.test.ts: one forward and backward pass of a baby-sized GPT and
// one large matMul on the wasm backend, with whatever GPTLAB_WASM_THREADS the parent set, printed as
// JSON. Run alone: GPTLAB_WASM_THREADS=2 node dist/test/helpers/wasm-run.js

import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { GPT } from '../../src/model/gpt';
import { makeConfig } from '../../src/model/config';

async function main(): Promise<void> {
  const choice = await initBackend({ backend: 'wasm' });
  const a = tf.randomNormal([300, 200], 0, 1, 'float32', 1);
  const b = tf.randomNormal([200, 150], 0, 1, 'float32', 2);
  const mm = Array.from(tf.matMul(a, b).dataSync());
  const m = new GPT(makeConfig('baby', { vocabSize: 65 }));
  const x = tf.randomUniformInt([4, 64], 0, 65, 3) as tf.Tensor2D;
  const y = tf.randomUniformInt([4, 64], 0, 65, 4) as tf.Tensor2D;
  const { value, grads } = tf.variableGrads(() => m.loss(x, y), m.variables());
  const gradHeads = m.variables().map((v) => Array.from(grads[v.name].dataSync().slice(0, 20)));
  const listeners = process.listenerCount('uncaughtException') + process.listenerCount('unhandledRejection');
  process.stdout.write(JSON.stringify({ device: choice.device, mm, loss: value.dataSync()[0], gradHeads, listeners }));
  // No process.exit: the test checks that the thread pool does not keep Node alive.
}

main().catch((e) => { console.error(e); process.exitCode = 1; });
