// Batches drawn as grids of tokens: the picture from "State of GPT".
//
// `batchGrid` draws a pretraining batch as B rows of T cells, one token per cell, colored by the
// document it came from (neighbouring documents alternate colors) with <|endoftext|> cells dark.
// One highlighted cell shows what training asks: its context (the cells of its row from the start up
// to and including it) is outlined in yellow, and its target (the next token, y[row, col]) in red:
// "the model predicts the red token from the yellow ones". With packed documents that context may
// cross an <|endoftext|> into the previous document, and the picture shows it.
//
// `maskGrid` draws a padded SFT batch: which cells are padding, which are read but not trained on,
// and which count in the loss (the assistant's tokens).
//
// Both are pure functions from a batch to a Figure (charts.ts's heatmap plus shapes), so tests check
// what would be drawn without a browser. Left out: attention arrows (a later notebook draws attention).

import { Batch } from '../data/batch';
import { ShiftedBatch } from '../data/padding';
import { assert } from '../util/assert';
import { heatmap } from './charts';
import { Figure } from './plotly';

/** Background colors of documents, cycled by document index (no yellow or red: those mark the highlight). */
export const DOC_COLORS = ['#b3cde3', '#ccebc5', '#decbe4', '#e5d8bd'] as const;
/** The color of <|endoftext|> cells. */
export const EOT_COLOR = '#2b2b2b';
/** Outline and fill of the highlighted cell's context. */
export const CONTEXT_COLOR = '#f2c200';
/** Outline and fill of its target. */
export const TARGET_COLOR = '#e0301e';

/** Short labels of special tokens, so they fit in a cell. */
const SPECIAL_LABELS: Readonly<Record<string, string>> = {
  '<|endoftext|>': 'EOT', '<|bos|>': 'BOS',
  '<|user_start|>': 'U:', '<|user_end|>': '/U', '<|assistant_start|>': 'A:', '<|assistant_end|>': '/A',
  '<|tool_start|>': 'T:', '<|tool_end|>': '/T', '<|output_start|>': 'O:', '<|output_end|>': '/O',
};

/**
 * A token's text as a cell shows it: whitespace made visible, special tokens abbreviated.
 *
 *   cellLabel('a') → 'a';  cellLabel(' ') → '·';  cellLabel('\n') → '↵';  cellLabel('<|user_start|>') → 'U:'
 *   cellLabel('<|pad|>') → 'pad' (an unknown special: its name, up to 3 letters)
 */
export function cellLabel(text: string): string {
  if (text in SPECIAL_LABELS) return SPECIAL_LABELS[text];
  const special = /^<\|(.+)\|>$/.exec(text);
  if (special) return special[1].slice(0, 3);
  return text.replace(/ /g, '·').replace(/\n/g, '↵').replace(/\t/g, '→');
}

/** Which cell to highlight: a row of the batch and a column of that row. */
export interface Cell {
  row: number;
  col: number;
}

/** Options of batchGrid. */
export interface BatchGridOptions {
  /** The <|endoftext|> id: its cells are drawn dark, labelled eotLabel. */
  eotId: number;
  /** The cell whose context (yellow) and target (red) are drawn; none when left out. */
  highlight?: Cell;
  /** The text of <|endoftext|> cells (default 'EOT'). */
  eotLabel?: string;
  title?: string;
  /** Pixels (default: 100 + 34 per row). */
  height?: number;
}

/** '#f2c200', 0.3 → 'rgba(242, 194, 0, 0.3)' */
function rgba(hex: string, alpha: number): string {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return `rgba(${r}, ${g}, ${b}, ${alpha})`;
}

/**
 * A rectangle over cell (row, col) of a heatmap drawn at indices: a solid outline and a light fill, so
 * the document color and the token underneath stay visible.
 */
function cellRect(row: number, col: number, color: string, fillAlpha: number, width: number): Record<string, unknown> {
  return {
    type: 'rect', xref: 'x', yref: 'y', x0: col - 0.5, x1: col + 0.5, y0: row - 0.5, y1: row + 0.5,
    line: { color, width }, fillcolor: rgba(color, fillAlpha), layer: 'above',
  };
}

/**
 * Layout for a grid of cells: no grid or zero lines (they would show through the gaps between cells as
 * dots), a left margin wide enough for the row labels, and the title on the left, clear of the toolbar.
 */
function gridLayout(fig: Figure, rowLabels: string[]): void {
  const { title, xaxis, yaxis } = fig.layout as Record<string, Record<string, unknown>>;
  Object.assign(xaxis, { showgrid: false, zeroline: false });
  Object.assign(yaxis, { showgrid: false, zeroline: false });
  const longest = Math.max(...rowLabels.map((l) => l.length));
  Object.assign(fig.layout, {
    title: { ...title, x: 0, xanchor: 'left', font: { size: 15 } },
    margin: { t: 40, r: 20, b: 45, l: 20 + 7 * longest },
    plot_bgcolor: '#ffffff',
  });
}

/** A colorscale with one flat band per category 0..colors.length-1 (use zmin -0.5, zmax n-0.5). */
function bands(colors: readonly string[]): [number, string][] {
  const n = colors.length;
  return colors.flatMap((c, i): [number, string][] => [[i / n, c], [(i + 1) / n, c]]);
}

/**
 * The category of every cell, [B][T]: docIds[cell] mod DOC_COLORS.length, or DOC_COLORS.length
 * (the EOT color) where x is eotId.
 *
 *   x [5, 0, 6], docIds [3, 3, 4], eotId 0 → [[3, 4, 0]]   (doc 3 → color 3, EOT → 4, doc 4 → color 0)
 */
export function docCategories(batch: Batch, eotId: number): number[][] {
  const [B, T] = batch.shape;
  const k = DOC_COLORS.length;
  return Array.from({ length: B }, (_, b) =>
    Array.from({ length: T }, (_, t) => (batch.x[b * T + t] === eotId ? k : batch.docIds[b * T + t] % k)));
}

function checkHighlight(h: Cell, B: number, T: number): void {
  assert(Number.isInteger(h.row) && h.row >= 0 && h.row < B,
    () => `batchGrid: highlight row ${h.row} is outside 0..${B - 1} (the batch has ${B} rows)`);
  assert(Number.isInteger(h.col) && h.col >= 0 && h.col < T,
    () => `batchGrid: highlight col ${h.col} is outside 0..${T - 1} (rows have ${T} tokens)`);
}

/**
 * A pretraining batch as the talk draws it: a B x T grid of tokens colored by document, EOT cells
 * dark, and, for a highlighted cell, its context outlined in yellow and its target in red. The target
 * of the last column lies past the row's end (it is the stream's next token); it is drawn there, in an
 * extra column.
 *
 *   batchGrid(batch, (id) => tok.decode([id]), { eotId: 96, highlight: { row: 1, col: 5 } })
 *     → heatmap z = docCategories(batch, 96), text = the tokens, shapes = 6 yellow cells + 1 red one
 */
export function batchGrid(batch: Batch, decode: (id: number) => string, opts: BatchGridOptions): Figure {
  const [B, T] = batch.shape;
  assert(Number.isInteger(opts.eotId) && opts.eotId >= 0,
    () => `batchGrid: eotId ${opts.eotId} must be a non-negative integer`);
  if (opts.highlight) checkHighlight(opts.highlight, B, T);
  const label = (id: number) => (id === opts.eotId ? opts.eotLabel ?? 'EOT' : cellLabel(decode(id)));
  const text = Array.from({ length: B }, (_, b) => Array.from(batch.x.subarray(b * T, (b + 1) * T), label));
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  const h = opts.highlight;
  if (h) {
    for (let t = 0; t <= h.col; t++) shapes.push(cellRect(h.row, t, CONTEXT_COLOR, 0.35, 3));
    shapes.push(cellRect(h.row, h.col + 1, TARGET_COLOR, 0.45, 3));
    if (h.col === T - 1) {
      // subtle: the last column's target is not in x at all; show its token in the extra column.
      annotations.push({
        x: T, y: h.row, xref: 'x', yref: 'y', text: label(batch.y[h.row * T + h.col]), showarrow: false,
        font: { color: '#000' },
      });
    }
  }
  const rowLabels = Array.from({ length: B }, (_, b) => `row ${b}`);
  const fig = heatmap(docCategories(batch, opts.eotId), {
    title: opts.title ?? `a ${B} x ${T} batch: one color per document, EOT dark`,
    xLabels: Array.from({ length: T }, (_, t) => t), yLabels: rowLabels,
    xLabel: 't (position in the row)', text, colorscale: bands([...DOC_COLORS, EOT_COLOR]),
    zmin: -0.5, zmax: DOC_COLORS.length + 0.5, showScale: false, shapes, height: opts.height ?? 100 + 34 * B,
  });
  Object.assign(fig.data[0], {
    xgap: 1, ygap: 1, textfont: { size: 12 },
    customdata: Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) =>
      `x=${batch.x[b * T + t]} (doc ${batch.docIds[b * T + t]}) → y=${batch.y[b * T + t]}`)),
    hovertemplate: 't=%{x}: %{text}<br>%{customdata}<extra></extra>',
  });
  gridLayout(fig, rowLabels);
  if (h?.col === T - 1) (fig.layout.xaxis as Record<string, unknown>).range = [-0.5, T + 0.5];
  fig.layout.annotations = annotations;
  return fig;
}

/** Options of maskGrid. */
export interface MaskGridOptions {
  /** Which tokens the cells show: the inputs x or the targets y (default 'targets', where the loss mask applies). */
  tokens?: 'inputs' | 'targets';
  /** One label per row (default 'row 0', 'row 1', ...). */
  rowLabels?: string[];
  title?: string;
  height?: number;
}

/** Colors of the three kinds of cells in maskGrid: padding, read only, trained. */
export const MASK_COLORS = ['#eeeeee', '#c6dbef', '#fdae6b'] as const;

/**
 * The kind of every cell of a padded batch, [B][T]: 0 padding (attention 0), 1 read but not trained
 * (attention 1, loss 0), 2 trained (loss 1).
 *
 *   attentionMask [1, 1, 1, 0], lossMask [0, 1, 1, 0] → [[1, 2, 2, 0]]
 */
export function maskCategories(batch: ShiftedBatch): number[][] {
  const [B, T] = batch.shape;
  return Array.from({ length: B }, (_, b) => Array.from({ length: T }, (_, t) => {
    const i = b * T + t;
    return batch.attentionMask[i] === 0 ? 0 : batch.lossMask[i] === 1 ? 2 : 1;
  }));
}

/**
 * A padded SFT batch as a grid: padding gray, tokens the model only reads blue, tokens the loss is
 * computed on orange. Padding cells show no text.
 *
 *   maskGrid(padForNextToken(rendered, { padId, side: 'right' }), (id) => tok.decode([id]))
 */
export function maskGrid(batch: ShiftedBatch, decode: (id: number) => string, opts: MaskGridOptions = {}): Figure {
  const [B, T] = batch.shape;
  const rowLabels = opts.rowLabels ?? Array.from({ length: B }, (_, b) => `row ${b}`);
  assert(rowLabels.length === B, () => `maskGrid: ${rowLabels.length} row labels for a batch of ${B} rows`);
  const ids = (opts.tokens ?? 'targets') === 'targets' ? batch.y : batch.x;
  const kinds = maskCategories(batch);
  const text = kinds.map((row, b) => row.map((k, t) => (k === 0 ? '' : cellLabel(decode(ids[b * T + t])))));
  const fig = heatmap(kinds, {
    title: opts.title ?? 'gray: padding · blue: read, not trained · orange: in the loss',
    xLabels: Array.from({ length: T }, (_, t) => t), yLabels: rowLabels, xLabel: 't', text,
    colorscale: bands(MASK_COLORS), zmin: -0.5, zmax: 2.5, showScale: false, height: opts.height ?? 100 + 30 * B,
  });
  Object.assign(fig.data[0], {
    xgap: 1, ygap: 1, textfont: { size: 12 }, hovertemplate: 't=%{x}: %{text}<extra></extra>',
  });
  gridLayout(fig, rowLabels);
  return fig;
}
