// Tiny Shakespeare for tests, read through the project's own dataset code (cache, checksum, mirror):
// the file is never committed. Where it is: GPTLAB_MIRROR, else the offline mirror that sits beside the
// project (../shared/datasets), else the download cache, else the canonical URL.
//
// Without any of them (an offline machine with no mirror) a test that needs the real text is skipped
// with the reason printed; under CI (CI=true) it fails instead, so a missing mirror never hides a check.

import * as fs from 'fs';
import * as path from 'path';
import { fetchDataset } from '../../src/data';
import { PROJECT_ROOT } from '../../src/notebook/jupyter';

/** The offline mirror directory to use: GPTLAB_MIRROR, else ../shared/datasets beside the project. */
export function mirrorDir(): string | undefined {
  if (process.env.GPTLAB_MIRROR) return process.env.GPTLAB_MIRROR;
  const beside = path.resolve(PROJECT_ROOT, '..', 'shared', 'datasets');
  return fs.existsSync(path.join(beside, 'tinyshakespeare.txt')) ? beside : undefined;
}

let cached: string | undefined;

/** Tiny Shakespeare's text, or skips the calling test saying why (fails under CI). */
export async function shakespeareText(ctx: Mocha.Context): Promise<string> {
  if (cached !== undefined) return cached;
  try {
    const file = await fetchDataset('tinyshakespeare', { mirror: mirrorDir(), timeoutMs: 30_000 });
    cached = fs.readFileSync(file.path, 'utf8');
    return cached;
  } catch (e) {
    if (process.env.CI) throw e;
    console.log(`      (skipped: Tiny Shakespeare is not available here: ${(e as Error).message.split('\n')[0]})`);
    ctx.skip();
  }
}
