// Showing rich output: in a tslab notebook, HTML; anywhere else, text.
//
// Everything gpt-lab shows (plots, tables, progress bars) goes through `show`/`liveDisplay`, which
// ask tslab to render HTML when the code runs inside a tslab kernel and fall back to plain text on a
// terminal (the CLI, the tests). Nothing here knows about plots: it only moves HTML and text.

import * as path from 'path';

/** What a rich object offers: HTML for notebooks, text for terminals. */
export interface Renderable {
  html(): string;
  text(): string;
}

/** A display entry that can be overwritten in place (a live loss curve, a progress bar). */
export interface LiveDisplay {
  update(r: Renderable): void;
}

type TslabDisplay = { html(s: string): void; text(s: string): void };
type Tslab = { display: TslabDisplay; newDisplay(): TslabDisplay };

const JUPYTER_MODULE = path.join('tslab', 'dist', 'jupyter.js');

/**
 * True inside a running tslab kernel. tslab's kernel loads its jupyter module at start; a plain
 * Node process (CLI, mocha) never does, so the module cache tells us without loading tslab.
 */
export function inNotebook(): boolean {
  const key = Object.keys(require.cache).find((k) => k.endsWith(JUPYTER_MODULE));
  if (key === undefined) return false;
  const mod = require.cache[key]?.exports as { lastWriteDisplayData?: unknown } | undefined;
  return mod?.lastWriteDisplayData != null;
}

function tslab(): Tslab {
  // subtle: resolve tslab from the kernel's own copy, so that we write to the kernel's display queue.
  const key = Object.keys(require.cache).find((k) => k.endsWith(JUPYTER_MODULE))!;
  return require(path.join(path.dirname(key), 'public.js')) as Tslab;
}

/** Shows `r` once: HTML in a notebook, text on a terminal. */
export function show(r: Renderable): void {
  if (inNotebook()) tslab().display.html(r.html());
  else console.log(r.text());
}

/**
 * A display that each `update` overwrites: one tslab display entry in a notebook. On a terminal,
 * `onText` decides what to do with the text (the default prints it).
 */
export function liveDisplay(onText: (s: string) => void = (s) => console.log(s)): LiveDisplay {
  if (inNotebook()) {
    const d = tslab().newDisplay();
    return { update: (r) => d.html(r.html()) };
  }
  return { update: (r) => onText(r.text()) };
}

/** Escapes text for HTML: escapeHtml('<a & b>') → '&lt;a &amp; b&gt;'. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
