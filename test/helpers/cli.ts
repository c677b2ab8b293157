// Runs the gpt-lab CLI in this process for a test: its exit code, what it printed, and how long it took.

import { main } from '../../src/cli';

export interface CliRun {
  code: number;
  out: string;
  err: string;
  ms: number;
}

/** Runs main(argv), capturing console.log and console.error (restored afterwards, also on a throw). */
export async function gptLab(...argv: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  const t0 = Date.now();
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n'), ms: Date.now() - t0 };
  } finally {
    Object.assign(console, { log, error });
  }
}
