// Export and import: a lab checkpoint to a Hugging Face GPT-2 directory or a nanoGPT checkpoint, and
// back. This file checks the paths and moves the result into place; the layouts live in hf.ts and
// nanogpt.ts, the tokenizer in tokenizer.ts.
//
//   exportCheckpoint({ checkpoint: 'out/baby', format: 'hf', out: 'out/baby-hf' })
//   importCheckpoint({ format: 'nanogpt', from: 'nanogpt/out', out: 'out/from-torch' })
//
// --out is checked before any work: it may not be the source or hold it, must be an empty (or new)
// directory unless `force`, and its parent must be writable. The files are written into a temporary
// directory beside it and renamed into place at the end, so a failure leaves no half export and a
// rerun with force replaces the old one whole.
// Left out: exporting several checkpoints at once, uploading to the Hub.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { assert, GptLabError } from '../util/assert';
import { paramSpecs } from '../model';
import { loadCheckpoint } from '../train/checkpoint';
import { exportSource, saveImported, type Imported } from './source';
import { readHf, writeHf } from './hf';
import { findTorchPython, readNanogpt, writeNanogpt } from './nanogpt';

export const FORMATS = ['hf', 'nanogpt'] as const;
export type ExportFormat = (typeof FORMATS)[number];

/** Checks a format name from the user: parseFormat('hf', '--format') → 'hf'. */
export function parseFormat(value: string | undefined, source: string): ExportFormat {
  assert(value !== undefined, () => `${source} is required: ${FORMATS.join(' or ')}`);
  assert((FORMATS as readonly string[]).includes(value),
    () => `${source} '${value}' is not a format gpt-lab knows; use ${FORMATS.join(' or ')}`);
  return value as ExportFormat;
}

/** What one export or import did. */
export interface Result {
  out: string;
  files: string[];
  notes: string[];
}

/**
 * Checks an output directory before any work and returns a fresh temporary directory beside it.
 * `source` is the directory read from: out may not be it or hold it.
 */
export function startOut(out: string, force: boolean, source: string, option = '--out'): string {
  assert(out.trim() !== '', () => `${option} is empty; pass a directory for the result`);
  const o = path.resolve(out);
  const s = path.resolve(source);
  const holds = (dir: string) => o === dir || dir.startsWith(o.endsWith(path.sep) ? o : o + path.sep);
  assert(!holds(s), () => `${option} ${out} is or holds the directory read from (${source}); choose another directory`);
  assert(!holds(process.cwd()),
    () => `${option} ${out} is or holds the working directory; choose a directory inside it, e.g. out/export`);
  if (fs.existsSync(o)) {
    assert(fs.statSync(o).isDirectory(), () => `${option} ${out} is a file, not a directory; choose a directory`);
    const n = fs.readdirSync(o).length;
    assert(n === 0 || force,
      () => `${option} ${out} is not empty (${n} entries); pass --force to replace it, or choose another directory`);
  }
  const parent = path.dirname(o);
  try {
    fs.mkdirSync(parent, { recursive: true });
    removeStale(parent, path.basename(o));
    const tmp = path.join(parent, `.${path.basename(o)}.tmp-${process.pid}`);
    fs.rmSync(tmp, { recursive: true, force: true });
    fs.mkdirSync(tmp);
    return tmp;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? `a file is in the way of the directory ${parent}`
      : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? `${parent} is not writable (${code})`
      : `a directory cannot be made in ${parent} (${code ?? (e as Error).message})`;
    throw new GptLabError(`${option} ${out} cannot be written: ${why}; choose another directory`);
  }
}

/** Whether a process id is alive (signal 0 only asks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

/** Removes the temporary directories of earlier runs for the same out whose process has died (a kill -9, a crash). */
function removeStale(parent: string, base: string): void {
  const re = new RegExp(`^\\.${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)$`);
  for (const entry of fs.readdirSync(parent)) {
    const m = re.exec(entry);
    if (m !== null && Number(m[2]) !== process.pid && !alive(Number(m[2])))
      fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  }
}

/** Moves a finished temporary directory to out, replacing what is there (startOut allowed it). */
export function finishOut(tmp: string, out: string): void {
  const o = path.resolve(out);
  const old = `${path.dirname(tmp)}/.${path.basename(o)}.old-${process.pid}`;
  const had = fs.existsSync(o);
  if (had) fs.renameSync(o, old);
  fs.renameSync(tmp, o);
  if (had) fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Checks out (startOut), then runs work, which fills a temporary directory; moves it into place on
 * success, removes it on failure.
 */
function withOut(out: string, force: boolean, source: string, work: (dir: string) => string[]): Result {
  const tmp = startOut(out, force, source);
  try {
    const notes = work(tmp);
    const files = fs.readdirSync(tmp).sort();
    finishOut(tmp, out);
    return { out, files, notes };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Options of exportCheckpoint. */
export interface ExportOptions {
  /** A lab checkpoint: a run's --out (with latest.json) or a step-* directory. */
  checkpoint: string;
  format: ExportFormat;
  out: string;
  /** Replace a non-empty out. */
  force?: boolean;
}

/** Writes a lab checkpoint as a Hugging Face GPT-2 directory or a nanoGPT checkpoint. */
export function exportCheckpoint(o: ExportOptions): Result {
  assert(fs.existsSync(o.checkpoint),
    () => `--checkpoint ${o.checkpoint} does not exist; ` +
      "pass a run's --out (e.g. out/baby) or a step-* directory in it");
  return withOut(o.out, o.force === true, o.checkpoint, (dir) => {
    const ckpt = loadCheckpoint(o.checkpoint);
    const src = exportSource(ckpt);
    const names = new Set(paramSpecs(src.config).map((s) => s.name));
    const extra = [...ckpt.weights.keys()].filter((n) => !names.has(n));
    const torch = o.format === 'nanogpt' ? findTorchPython() : { why: '' };
    const notes = o.format === 'hf' ? writeHf(src, dir) : writeNanogpt(src, dir, torch.python, torch.why);
    if (extra.length > 0) notes.push(`left out weights that are not the GPT's: ${extra.join(', ')}`);
    return notes;
  });
}

/** Options of importCheckpoint. */
export interface ImportOptions {
  format: ExportFormat;
  /** A Hugging Face GPT-2 directory, or a nanoGPT out_dir holding ckpt.pt. */
  from: string;
  /** Where the lab checkpoint goes (latest.json and a step-* directory). */
  out: string;
  force?: boolean;
}

/** Reads a Hugging Face or nanoGPT model into a normal lab checkpoint. */
export function importCheckpoint(o: ImportOptions): Result & { step: number; imported: Imported } {
  assert(fs.existsSync(o.from) && fs.statSync(o.from).isDirectory(),
    () => `--from ${o.from} is not a directory; ` +
      `pass the directory that holds ${o.format === 'hf' ? 'config.json and model.safetensors' : 'ckpt.pt'}`);
  let imported: Imported | undefined;
  const result = withOut(o.out, o.force === true, o.from, (dir) => {
    imported = o.format === 'hf' ? readHf(o.from) : readNanogptDir(o.from);
    saveImported(dir, imported, `${o.format}:${path.resolve(o.from)}`);
    return imported.notes;
  });
  return { ...result, step: imported!.step, imported: imported! };
}

/** readNanogpt with PyTorch found when there is a ckpt.pt, and a scratch directory for the converter. */
function readNanogptDir(from: string): Imported {
  const torch = fs.existsSync(path.join(from, 'ckpt.pt')) ? findTorchPython() : { why: '', python: undefined };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-import-'));
  try {
    return readNanogpt(from, work, torch.python, torch.why);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
