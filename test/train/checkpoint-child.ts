// A second process for the checkpoint tests (test/train/checkpoint.test.ts), run with node:
//
//   node checkpoint-child.js train DIR STEPS [PAUSE]   trains a tiny model into DIR (saving every 2 steps),
//                                 printing "step N" as it goes; at step PAUSE it waits until DIR.go exists;
//                                 exits 3 with the message on a GptLabError
//   node checkpoint-child.js hold DIR          takes DIR's lock, prints "locked", and waits to be killed

import * as fs from 'fs';
import { initBackend } from '../../src/backend';
import { Rng } from '../../src/data/rng';
import { splitStream, streamFromIds } from '../../src/data/stream';
import { makeTrainConfig, Trainer } from '../../src/train';
import { GptLabError } from '../../src/util/assert';
import { lockDir } from '../../src/util/lock';
import { tinyModel } from '../model/helpers';

async function main(): Promise<void> {
  const [mode, dir, steps, pause] = process.argv.slice(2);
  if (mode === 'hold') {
    lockDir(dir);
    process.stdout.write('locked\n');
    setInterval(() => undefined, 1000);
    return;
  }
  await initBackend({ backend: 'cpu' });
  const rng = new Rng(5);
  const data = splitStream(streamFromIds(Array.from({ length: 3000 }, (_, i) => (rng.chance(0.1) ? rng.int(0, 11) : (i * 3) % 11)), 11), 0.9);
  const maxSteps = Number(steps);
  const trainer = new Trainer(tinyModel(), data, makeTrainConfig({
    batchSize: 4, maxSteps, evalEvery: 2, evalIters: 1, logEvery: 1,
    schedule: { maxLr: 1e-2, minLr: 1e-3, warmupSteps: 2, decaySteps: maxSteps },
  }));
  await trainer.run({
    checkpointDir: dir,
    onStep: (s) => {
      process.stdout.write(`step ${s.step}\n`);
      while (s.step === Number(pause) && !fs.existsSync(`${dir}.go`)) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    },
  });
}

main().catch((e) => {
  process.stderr.write(`${e instanceof GptLabError ? e.message : `crash: ${(e as Error).stack ?? e}`}\n`);
  process.exit(e instanceof GptLabError ? 3 : 1);
});
