// Plotly figures as notebook HTML, with plotly.js served from node_modules (never a CDN).
//
// plotly.js is loaded once per notebook kernel: the first figure shown puts the library in an output
// entry of its own (never overwritten, so a live chart's updates cannot drop it), and every figure
// after that only calls `window.Plotly`. Nothing here draws: see charts.ts for the figure builders.

import * as fs from 'fs';
import { inNotebook, Renderable, show } from '../notebook/display';

/** One plotly trace: plotly's own JSON schema (https://plotly.com/javascript/reference/). */
export type Trace = { type?: string; name?: string } & Record<string, unknown>;

/** A plotly figure: traces plus layout, exactly as `Plotly.newPlot` takes them. */
export interface Figure {
  data: Trace[];
  layout: Record<string, unknown>;
  /** Height of the plot in pixels. */
  height?: number;
}

let plotlyShown = false;
let nextId = 0;

/** The minified plotly.js bundle, from node_modules. */
export function plotlySource(): string {
  return fs.readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
}

/**
 * A <script> that defines window.Plotly and then draws any figure that was waiting for it.
 * subtle: the bundle must not see the CommonJS or AMD globals of the page (classic Jupyter ships
 * RequireJS), so it runs in a function that shadows them; `</script` inside it is escaped.
 */
export function plotlyLoaderHtml(): string {
  const src = plotlySource().replace(/<\/script/gi, '<\\/script');
  return `<script type="text/javascript">(function(){var module, exports, define;\n${src}\n})();
(window.__gptlabPlotlyQueue || []).forEach(function (f) { f(); }); window.__gptlabPlotlyQueue = [];</script>`;
}

/** Shows the plotly.js loader once per kernel; later calls do nothing. */
export function ensurePlotly(): void {
  if (plotlyShown || !inNotebook()) return;
  show({
    html: () => `<div class="gptlab-plotly-loader" style="display:none"></div>${plotlyLoaderHtml()}`, text: () => '',
  });
  plotlyShown = true;
}

/** The HTML of one figure: a div and a script that draws it once Plotly is there. */
export function figureHtml(fig: Figure): string {
  const id = `gptlab-plot-${process.pid}-${nextId++}`;
  const payload = JSON.stringify({ data: fig.data, layout: { margin: { t: 40, r: 20, b: 40, l: 50 }, ...fig.layout } })
    .replace(/<\//g, '<\\/');
  return `<div id="${id}" class="gptlab-plot" style="width:100%;height:${fig.height ?? 380}px"></div>
<script type="text/javascript">(function () {
  var fig = ${payload};
  function draw() { window.Plotly.react('${id}', fig.data, fig.layout, { responsive: true, displaylogo: false }); }
  if (window.Plotly) draw(); else (window.__gptlabPlotlyQueue = window.__gptlabPlotlyQueue || []).push(draw);
})();</script>`;
}

/** A one-paragraph text stand-in for a figure on a terminal: its title and each trace's size. */
export function figureText(fig: Figure): string {
  const title = titleOf(fig);
  const traces = fig.data.map((t) => {
    const ys = (t.y ?? t.z ?? t.x) as unknown[] | undefined;
    const n = Array.isArray(ys) ? ys.length : 0;
    const last = Array.isArray(t.y) && t.y.length > 0 ? `, last ${fmt(t.y[t.y.length - 1])}` : '';
    return `  ${t.name ?? t.type ?? 'trace'}: ${n} points${last}`;
  });
  return [`[plot] ${title}`, ...traces].join('\n');
}

function titleOf(fig: Figure): string {
  const t = fig.layout.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string')
    return (t as { text: string }).text;
  return '(untitled)';
}

function fmt(v: unknown): string {
  return typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : String(v);
}

/** A figure as something `show` and live displays render. */
export function renderFigure(fig: Figure): Renderable {
  return { html: () => figureHtml(fig), text: () => figureText(fig) };
}

/** Shows a figure in the notebook (loading plotly.js first if needed), or its summary on a terminal. */
export function plot(fig: Figure): void {
  ensurePlotly();
  show(renderFigure(fig));
}

