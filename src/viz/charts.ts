// Figure builders for what the lab draws: line charts (loss curves), heatmaps (attention, batch
// grids), bar charts and histograms.
//
// Each builder is a pure function from data to a plotly Figure, so tests can check what would be
// drawn without a browser; `plot(fig)` (plotly.ts) shows it. Styling is deliberately plain.

import { assert } from '../util/assert';
import { Figure, Trace } from './plotly';

/** Common options: a title and axis labels. */
export interface ChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  height?: number;
}

function layout(o: ChartOptions, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: o.title ?? '' },
    xaxis: { title: { text: o.xLabel ?? '' } },
    yaxis: { title: { text: o.yLabel ?? '' } },
    ...extra,
  };
}

/** One named series of a line chart: y against x. */
export interface Series {
  name: string;
  x: number[];
  y: number[];
}

/**
 * A line chart with one line per series.
 *
 *   lineChart([{ name: 'train', x: [0, 1], y: [4.2, 3.9] }], { title: 'loss' })
 */
export function lineChart(series: Series[], o: ChartOptions & { logY?: boolean } = {}): Figure {
  for (const s of series) {
    assert(s.x.length === s.y.length, () => `series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values`);
  }
  const data: Trace[] = series.map((s) => ({ type: 'scatter', mode: 'lines', name: s.name, x: s.x, y: s.y }));
  const extra = o.logY ? { yaxis: { type: 'log', title: { text: o.yLabel ?? '' } } } : {};
  return { data, layout: layout(o, extra), height: o.height };
}

/** Options of a heatmap: row and column labels, per-cell text, colors. */
export interface HeatmapOptions extends ChartOptions {
  xLabels?: (string | number)[];
  yLabels?: (string | number)[];
  /** Text drawn in each cell, [rows][cols]. */
  text?: string[][];
  /** A plotly colorscale name ('Viridis', 'Blues', …) or stops. */
  colorscale?: string | [number, string][];
  zmin?: number;
  zmax?: number;
  showScale?: boolean;
  /** Extra plotly shapes, e.g. rectangles that outline cells. */
  shapes?: Record<string, unknown>[];
}

/**
 * A heatmap of z[rows][cols], row 0 at the top (as a matrix is read, and as attention maps are drawn).
 *
 *   heatmap([[1, 0], [0.5, 0.5]], { xLabels: ['a', 'b'], yLabels: ['a', 'b'] })
 */
export function heatmap(z: number[][], o: HeatmapOptions = {}): Figure {
  const cols = z[0]?.length ?? 0;
  z.forEach((row, i) => assert(row.length === cols,
    () => `heatmap row ${i} has ${row.length} values, row 0 has ${cols}`));
  if (o.text) assert(o.text.length === z.length, () => `heatmap text has ${o.text!.length} rows, z has ${z.length}`);
  const trace: Trace = {
    type: 'heatmap', z, colorscale: o.colorscale ?? 'Viridis', showscale: o.showScale ?? true,
    zmin: o.zmin, zmax: o.zmax,
    // subtle: plotly merges repeated category labels (two 'e' tokens) into one row; draw at indices
    // and show the labels as tick text instead.
    x: o.xLabels?.map((_, i) => i), y: o.yLabels?.map((_, i) => i),
  };
  if (o.text) Object.assign(trace, { text: o.text, texttemplate: '%{text}', hoverinfo: 'text+z' });
  const axis = (labels: (string | number)[] | undefined, title: string | undefined, reversed: boolean) => ({
    title: { text: title ?? '' }, zeroline: false, showgrid: false,
    ...(labels ? { tickmode: 'array', tickvals: labels.map((_, i) => i), ticktext: labels.map(String) } : {}),
    ...(reversed ? { autorange: 'reversed' } : {}),
  });
  return {
    data: [trace],
    layout: {
      title: { text: o.title ?? '' },
      xaxis: axis(o.xLabels, o.xLabel, false),
      yaxis: axis(o.yLabels, o.yLabel, true),
      shapes: o.shapes ?? [],
    },
    height: o.height,
  };
}

/**
 * A bar chart; several groups of bars when `values` has several named rows.
 *
 *   barChart(['gpt2', 'gpt4'], { 'bytes/token': [3.9, 4.3] })
 */
export function barChart(labels: string[], values: Record<string, number[]>, o: ChartOptions = {}): Figure {
  const data: Trace[] = Object.entries(values).map(([name, ys]) => {
    assert(ys.length === labels.length,
      () => `bar group '${name}' has ${ys.length} values for ${labels.length} labels`);
    return { type: 'bar', name, x: labels, y: ys };
  });
  return { data, layout: layout(o, { barmode: 'group' }), height: o.height };
}

/** A histogram of values, with an optional bin count. */
export function histogram(values: number[], o: ChartOptions & { bins?: number; name?: string } = {}): Figure {
  const trace: Trace = { type: 'histogram', x: values, name: o.name ?? 'count' };
  if (o.bins !== undefined) trace.nbinsx = o.bins;
  return { data: [trace], layout: layout({ yLabel: 'count', ...o }), height: o.height };
}
