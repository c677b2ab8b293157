// `gpt-lab notebooks`: execute the lab's notebooks headlessly (the test suite's last step), and
// optionally render them to HTML for reading.
//
//   gpt-lab notebooks --profile ci            # every notebook, small settings (what npm test runs)
//   gpt-lab notebooks --html 03-pretraining   # one notebook, full settings, plus HTML
//   gpt-lab notebooks --seed 2 04 05 06       # 04-06's claims on a second seed (runs/full-seed2/)

import * as path from 'path';
import { PROJECT_ROOT, listNotebooks } from '../notebook/jupyter';
import { runNotebook } from '../notebook/run';
import { assert } from '../util/assert';
import { checkOutputPath } from '../util/output-path';
import { profile as activeProfile, PROFILES } from '../profile';
import { intOption, parseArgs } from './args';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['profile', 'out', 'seed', 'cell-timeout'], ['html']);
  const profile = args.options.profile ?? activeProfile();
  assert((PROFILES as readonly string[]).includes(profile),
    () => `--profile must be ${PROFILES.join(' or ')}, got '${profile}'`);
  const seed = args.options.seed === undefined ? undefined : intOption(args, 'seed', undefined, 0);
  const cellTimeoutSec = intOption(args, 'cell-timeout', 1200, 1);
  const defaultOut = path.join(PROJECT_ROOT, 'out', seed === undefined ? 'notebooks' : `notebooks-seed${seed}`);
  const outDir = path.resolve(checkOutputPath(args.options.out ?? defaultOut, 'dir'));
  const all = listNotebooks();
  const chosen = args.positional.length === 0 ? all : args.positional.map((name) => {
    const hit = all.find((nb) => path.basename(nb, '.ipynb') === name || path.basename(nb) === name ||
      path.basename(nb).startsWith(`${name}-`));
    assert(hit,
      () => `no notebook named '${name}'; the notebooks are: ${all.map((n) => path.basename(n, '.ipynb')).join(', ')}`);
    return hit;
  });
  const env: Record<string, string> = { GPTLAB_PROFILE: profile };
  if (seed !== undefined) env.GPTLAB_SEED = String(seed);
  const envText = Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`executing ${chosen.length} notebook(s) with ${envText}; outputs in ${outDir}`);
  let passed = 0;
  for (const nb of chosen) {
    const r = await runNotebook(nb, { outDir, html: args.options.html === 'true', env, cellTimeoutSec });
    const name = path.basename(nb, '.ipynb');
    if (r.ok) {
      passed++;
      console.log(`  ok    ${name} (${r.seconds.toFixed(1)} s)` +
        `${r.html ? ` → ${path.relative(process.cwd(), r.html)}` : ''}`);
    } else {
      console.log(`  FAIL  ${name} (${r.seconds.toFixed(1)} s)\n` +
        `${r.errors.map((e) => '        ' + e.replace(/\n/g, '\n        ')).join('\n')}`);
    }
  }
  console.log(`notebooks: ${passed} passed, ${chosen.length - passed} failed`);
  return passed === chosen.length ? 0 : 1;
}
