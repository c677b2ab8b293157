// A temporary runs tree for a describe block: GPTLAB_RUNS_DIR points at a fresh directory before its
// tests (on the backend asked for) and is restored, the directory removed, after them.
//
//   describe('...', () => { const runs = useTempRunsDir('gpt-lab-stages-'); it('...', () => runs.root()); });
//
// Setup that needs the tree (checkpoints saved or stages trained into it) goes in a before() written after
// the call: mocha runs a block's before() hooks in the order they are registered, so the helper's runs first.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend';

export function useTempRunsDir(prefix: string, backend: 'wasm' | 'cpu' = 'wasm'): { root: () => string } {
  let root: string | undefined;
  const saved = process.env.GPTLAB_RUNS_DIR;
  before(async () => {
    await initBackend({ backend });
    root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    process.env.GPTLAB_RUNS_DIR = root;
  });
  after(async () => {
    if (saved === undefined) delete process.env.GPTLAB_RUNS_DIR;
    else process.env.GPTLAB_RUNS_DIR = saved;
    if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
    if (backend !== 'cpu') await initBackend({ backend: 'cpu' });
  });
  return { root: () => root! };
}
