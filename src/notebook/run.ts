// Executing notebooks headlessly, as the tests and the HTML export do.
//
// Each notebook runs in a fresh tslab kernel under `jupyter nbconvert --execute`; the executed copy
// goes to an output directory (the source notebook stays without outputs, as committed), and is
// then searched for error outputs: a failing cell is a failed notebook, whatever nbconvert says.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findJupyter, jupyterEnv } from './jupyter';

export interface RunOptions {
  /** Where executed notebooks (and HTML, if asked) are written. */
  outDir: string;
  /** Also render the executed notebook to HTML. */
  html?: boolean;
  /** Seconds a single cell may take (default 1200). */
  cellTimeoutSec?: number;
  /** Extra environment, e.g. { GPTLAB_PROFILE: 'ci' }. */
  env?: Record<string, string>;
}

export interface RunResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  executed: string;
  html?: string;
  /** Why it failed: the failing cell's error text, or nbconvert's own. */
  errors: string[];
}

interface Output { output_type: string; name?: string; ename?: string; evalue?: string; text?: string | string[] }
interface Cell { cell_type: string; source: string | string[]; outputs?: Output[] }

const joined = (s: string | string[] | undefined) => (Array.isArray(s) ? s.join('') : s ?? '');

/**
 * The errors in an executed notebook: `error` outputs, and tslab's way of reporting a failed cell
 * (its message on stderr; it also marks the cell failed, which nbconvert sees).
 */
export function notebookErrors(nb: { cells: Cell[] }): string[] {
  const errors: string[] = [];
  nb.cells.forEach((cell, i) => {
    for (const o of cell.outputs ?? []) {
      if (o.output_type === 'error') errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
  });
  return errors;
}

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    child.on('close', (code) => resolve({ code: code ?? 1, log }));
  });
}

/** The part of nbconvert's log that says what failed (it prints the failing cell and its error). */
function failureText(log: string): string {
  const i = log.indexOf('An error occurred while executing the following cell');
  return (i >= 0 ? log.slice(i) : log.split('\n').slice(-15).join('\n')).trim();
}

/** Executes one notebook; never throws for a failing notebook (the result says why). */
export async function runNotebook(notebook: string, o: RunOptions): Promise<RunResult> {
  const jupyter = findJupyter('nbconvert');
  const env = jupyterEnv(o.env);
  const name = path.basename(notebook, '.ipynb');
  fs.mkdirSync(o.outDir, { recursive: true });
  const executed = path.join(o.outDir, `${name}.ipynb`);
  const t0 = Date.now();
  const run = await exec(jupyter, [
    'nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.timeout=${o.cellTimeoutSec ?? 1200}`,
    '--ExecutePreprocessor.kernel_name=tslab', '--output-dir', o.outDir, '--output', name, notebook,
  ], env, path.dirname(notebook));
  const errors = fs.existsSync(executed) && run.code === 0
    ? notebookErrors(JSON.parse(fs.readFileSync(executed, 'utf8')))
    : [failureText(run.log)];
  const result: RunResult = { notebook, ok: run.code === 0 && errors.length === 0, seconds: (Date.now() - t0) / 1000, executed, errors };
  if (o.html && fs.existsSync(executed)) {
    const html = await exec(jupyter, ['nbconvert', '--to', 'html', '--output-dir', o.outDir, executed], env, o.outDir);
    if (html.code === 0) result.html = path.join(o.outDir, `${name}.html`);
    else result.errors.push(`HTML export failed: ${failureText(html.log)}`);
  }
  return result;
}
