// Tables: danfojs DataFrames (or plain rows) shown as HTML in a notebook and as text on a terminal.

import type { DataFrame } from 'danfojs-node';
import { escapeHtml, Renderable, show } from '../notebook/display';

/** Plain rows: an array of objects with the same keys. */
export type Rows = Record<string, string | number | boolean | null>[];

/** A table's cells as strings, with its header. */
interface Cells {
  columns: string[];
  rows: string[][];
}

function cell(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : Number(v.toPrecision(5)).toString();
  return v === null || v === undefined ? '' : String(v);
}

function cellsOf(t: DataFrame | Rows): Cells {
  if (Array.isArray(t)) {
    const columns = t.length > 0 ? Object.keys(t[0]) : [];
    return { columns, rows: t.map((r) => columns.map((c) => cell(r[c]))) };
  }
  const values = t.values as unknown[][];
  return { columns: t.columns.map(String), rows: values.map((r) => r.map(cell)) };
}

/**
 * A table as an HTML <table>, numbers right-aligned.
 *
 *   tableHtml([{ a: 1, b: 'x' }]) → '<table class="gptlab-table">…<th>a</th><th>b</th>…<td>1</td><td>x</td>…'
 */
export function tableHtml(t: DataFrame | Rows, caption?: string): string {
  const { columns, rows } = cellsOf(t);
  const isNum = (s: string) => s !== '' && !Number.isNaN(Number(s));
  const head = columns.map((c) => `<th style="text-align:left">${escapeHtml(c)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((v) =>
    `<td style="text-align:${isNum(v) ? 'right' : 'left'}">${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
  const cap = caption ? `<caption>${escapeHtml(caption)}</caption>` : '';
  return `<table class="gptlab-table">${cap}<thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A table as aligned text columns, for terminals. */
export function tableText(t: DataFrame | Rows, caption?: string): string {
  const { columns, rows } = cellsOf(t);
  const widths = columns.map((c, j) => Math.max(c.length, ...rows.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((v, j) => v.padEnd(widths[j])).join('  ').trimEnd();
  const out = [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  return (caption ? [caption, ...out] : out).join('\n');
}

/** A table as something `show` renders. */
export function renderTable(t: DataFrame | Rows, caption?: string): Renderable {
  return { html: () => tableHtml(t, caption), text: () => tableText(t, caption) };
}

/** Shows a DataFrame or rows: an HTML table in a notebook, text on a terminal. */
export function showTable(t: DataFrame | Rows, caption?: string): void {
  show(renderTable(t, caption));
}
