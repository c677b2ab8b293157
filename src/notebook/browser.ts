// Looking at a rendered notebook the way a reader does: headless Chromium loads the HTML export,
// runs its scripts (plotly draws), and hands back the resulting DOM.
//
// Leaves out: clicking and screenshots; the tests only need to know what was drawn.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assert, GptLabError } from '../util/assert';

/** The Chromium executable: GPTLAB_CHROMIUM, else chromium or chromium-browser on PATH. */
export function findChromium(): string {
  const names = [process.env.GPTLAB_CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome']
    .filter((n): n is string => !!n);
  for (const name of names) {
    const r = spawnSync(name, ['--version'], { encoding: 'utf8', timeout: 30_000 });
    if (r.status === 0) return name;
  }
  throw new GptLabError('Chromium is not installed; install it with: sudo apt-get install chromium ' +
    '(bin/setup --test does), or set GPTLAB_CHROMIUM');
}

/**
 * The DOM of an HTML file after its scripts ran (for up to `budgetMs` of virtual time). The flags
 * keep Chromium off the network: the lab must render offline.
 */
export function renderedDom(htmlFile: string, budgetMs = 20_000): string {
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-chromium-'));
  try {
    const r = spawnSync(findChromium(), [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-sync',
      '--disable-background-networking', '--disable-component-update', `--user-data-dir=${profileDir}`,
      `--virtual-time-budget=${budgetMs}`, '--dump-dom', `file://${path.resolve(htmlFile)}`,
    ], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
    assert(r.status === 0, () => `chromium failed on ${htmlFile} (exit ${r.status}): ${r.stderr.slice(-2000)}`);
    return r.stdout;
  } finally {
    fs.rmSync(profileDir, { recursive: true, force: true });
  }
}
