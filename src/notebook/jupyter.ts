// Jupyter, found and set up inside the project: the tslab kernel is registered under
// `<project>/.jupyter` (never in the user's global Jupyter config) and every Jupyter process we
// start is pointed there through JUPYTER_PATH.
//
// Leaves out: installing Jupyter itself. When it is missing we stop with the exact install line.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { assert } from '../util/assert';
import { PROJECT_ROOT } from '../util/project';

export { PROJECT_ROOT };

/** Where the project keeps its Jupyter data (kernel specs, runtime files). */
export const JUPYTER_DIR = path.join(PROJECT_ROOT, '.jupyter');

export const INSTALL_HINT = [
  'Jupyter is not installed. Install it with one of:',
  '  Debian/Ubuntu:  sudo apt-get install jupyter-notebook jupyter-nbconvert python3-nbclient python3-ipykernel',
  '  pip:            python3 -m pip install notebook nbconvert nbclient ipykernel',
  'or point GPTLAB_JUPYTER at a jupyter executable.',
].join('\n');

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 60_000 });
  return r.status === 0;
}

/**
 * The jupyter executable that has `sub` (e.g. 'nbconvert' or 'notebook'): GPTLAB_JUPYTER when set
 * (and then only it), else each `jupyter` on PATH, then Debian's /usr/bin/jupyter. subtle: a pyenv
 * shim named `jupyter` can sit first on PATH without Jupyter behind it, so each is tried, not just found.
 */
export function findJupyter(sub: 'nbconvert' | 'notebook'): string {
  const forced = process.env.GPTLAB_JUPYTER;
  const fromPath = (process.env.PATH ?? '').split(path.delimiter).map((d) => path.join(d, 'jupyter'));
  const candidates = forced ? [forced]
    : [...new Set([...fromPath, '/usr/bin/jupyter'])].filter((c) => fs.existsSync(c));
  const found = candidates.find((c) => works(c, [sub, '--version']));
  assert(found !== undefined,
    () => `${INSTALL_HINT}\n(no working 'jupyter ${sub}' among: ${candidates.join(', ') || 'none found'})`);
  return found;
}

/**
 * Writes the tslab kernel spec into <project>/.jupyter/share/jupyter/kernels/tslab, with absolute
 * paths to this Node.js and the project's tslab (so it works whatever PATH Jupyter runs with).
 * Idempotent. Returns the JUPYTER_PATH entry to use.
 */
export function registerKernel(): string {
  const share = path.join(JUPYTER_DIR, 'share', 'jupyter');
  const tslabBin = path.join(path.dirname(require.resolve('tslab/package.json')), 'bin', 'tslab');
  const spec = {
    argv: [process.execPath, tslabBin, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (gpt-lab)',
    language: 'typescript',
  };
  const dir = path.join(share, 'kernels', 'tslab');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
  return share;
}

/** The environment for a Jupyter process: our kernel first, runtime files inside the project. */
export function jupyterEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const share = registerKernel();
  const runtime = path.join(JUPYTER_DIR, 'runtime');
  fs.mkdirSync(runtime, { recursive: true });
  const prior = process.env.JUPYTER_PATH ? path.delimiter + process.env.JUPYTER_PATH : '';
  return { ...process.env, JUPYTER_PATH: share + prior, JUPYTER_RUNTIME_DIR: runtime, ...extra };
}

/** The notebooks of the lab, in lesson order (their names start with a number). */
export function listNotebooks(dir = path.join(PROJECT_ROOT, 'notebooks')): string[] {
  return fs.readdirSync(dir).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort().map((f) => path.join(dir, f));
}
