// Executing notebooks headlessly, as the tests and the HTML export do.
//
// Each notebook runs in a fresh tslab kernel (nbclient, through execute.py); the executed copy goes
// to an output directory, also when a cell fails, so its error text can be shown (the source notebook
// stays without outputs, as committed). `jupyter nbconvert` renders it to HTML when asked.

import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { findJupyter, jupyterEnv, PROJECT_ROOT } from './jupyter';

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
  /** Why it failed: the failing cell, its source and its error text. */
  errors: string[];
}

interface Output { output_type: string; name?: string; ename?: string; evalue?: string; text?: string | string[] }
interface Cell { outputs?: Output[] }

/** The JSON line execute.py prints last. */
function parseReport(log: string): { ok: boolean; error: string } | undefined {
  const line = log.trim().split('\n').reverse().find((l) => l.startsWith('{"ok"'));
  return line === undefined ? undefined : JSON.parse(line);
}

/**
 * The `error` outputs of an executed notebook. tslab itself reports a failed cell differently (its
 * message on stderr and an error status, which execute.py catches); this catches other kernels' way.
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

function exec(
  cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd: string,
): Promise<{ code: number; log: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout.on('data', (d) => { log += d; });
    child.stderr.on('data', (d) => { log += d; });
    child.on('close', (code) => resolve({ code: code ?? 1, log }));
  });
}

/** The last lines of a log, for when a tool failed before it could say anything better. */
function tail(log: string, n = 15): string {
  return log.trim().split('\n').slice(-n).join('\n');
}

/** The Python that runs `jupyter` (its #! line), which therefore has nbclient. */
function pythonOf(jupyter: string): string {
  const first = fs.readFileSync(jupyter, 'utf8').split('\n', 1)[0];
  return first.startsWith('#!') && !first.includes('/env ') ? first.slice(2).trim() : 'python3';
}

/** Executes one notebook; never throws for a failing notebook (the result says why). */
export async function runNotebook(notebook: string, o: RunOptions): Promise<RunResult> {
  const jupyter = findJupyter('nbconvert');
  const env = jupyterEnv(o.env);
  const name = path.basename(notebook, '.ipynb');
  fs.mkdirSync(o.outDir, { recursive: true });
  const executed = path.join(o.outDir, `${name}.ipynb`);
  const t0 = Date.now();
  const script = path.join(PROJECT_ROOT, 'src', 'notebook', 'execute.py');
  const run = await exec(pythonOf(jupyter), [script, notebook, executed, String(o.cellTimeoutSec ?? 1200)], env,
    path.dirname(notebook));
  const report = parseReport(run.log);
  const errors = report === undefined ? [`could not execute ${notebook}:\n${tail(run.log)}`]
    : [
      ...(report.ok ? [] : [report.error]),
      ...(fs.existsSync(executed) ? notebookErrors(JSON.parse(fs.readFileSync(executed, 'utf8'))) : []),
    ];
  const result: RunResult = {
    notebook, ok: run.code === 0 && errors.length === 0, seconds: (Date.now() - t0) / 1000, executed, errors,
  };
  if (o.html && fs.existsSync(executed)) {
    const html = await exec(jupyter, ['nbconvert', '--to', 'html', '--output-dir', o.outDir, executed], env, o.outDir);
    if (html.code === 0) result.html = path.join(o.outDir, `${name}.html`);
    else result.errors.push(`HTML export failed: ${tail(html.log)}`);
  }
  return result;
}
