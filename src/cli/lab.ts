// `gpt-lab lab`: register the tslab kernel inside the project and start Jupyter on the notebooks.
//
// Options pass through to Jupyter after `--` (e.g. `gpt-lab lab -- --port 8899 --no-browser`).
// When Jupyter is missing it stops with the exact install line (see notebook/jupyter.ts).

import { spawn } from 'child_process';
import * as path from 'path';
import { findJupyter, jupyterEnv, PROJECT_ROOT } from '../notebook/jupyter';
import { parseArgs } from './args';
import { assert } from '../util/assert';
import { PROFILES } from '../profile';

export async function run(argv: string[]): Promise<number> {
  const dd = argv.indexOf('--');
  const passThrough = dd >= 0 ? argv.slice(dd + 1) : [];
  const args = parseArgs(dd >= 0 ? argv.slice(0, dd) : argv, ['profile'], ['dry-run']);
  const p = args.options.profile;
  assert(p === undefined || (PROFILES as readonly string[]).includes(p),
    () => `--profile must be ${PROFILES.join(' or ')}, got '${p}'`);
  const jupyter = findJupyter('notebook');
  const extra: Record<string, string> = args.options.profile ? { GPTLAB_PROFILE: args.options.profile } : {};
  const env = jupyterEnv(extra);
  const notebooks = path.join(PROJECT_ROOT, 'notebooks');
  // Jupyter refuses to run as root unless told; containers often run as root.
  const root = process.getuid?.() === 0 ? ['--allow-root'] : [];
  const cmd = [jupyter, 'notebook', `--notebook-dir=${notebooks}`, ...root, ...passThrough];
  console.log(`tslab kernel registered in ${path.relative(PROJECT_ROOT, env.JUPYTER_PATH!.split(path.delimiter)[0])}`);
  console.log(`starting: ${cmd.join(' ')}`);
  if (args.options['dry-run'] === 'true') return 0;
  const child = spawn(cmd[0], cmd.slice(1), { env, stdio: 'inherit', cwd: notebooks });
  // Ctrl-C reaches Jupyter too (same process group); wait for it to finish shutting down.
  process.on('SIGINT', () => undefined);
  return new Promise((resolve) => child.on('close', (code) => resolve(code ?? 0)));
}
