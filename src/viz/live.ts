// A line chart that grows while training runs: the loss curve of every training cell.
//
// `push(x, { train: 2.31, val: 2.40 })` adds a point to each named series; the chart redraws in place
// at most every `minIntervalMs` (redrawing a plot costs the browser far more than a training step),
// and `flush()` draws the final state. On a terminal it stays silent until `flush`, which prints a
// one-paragraph summary: the progress bar is the terminal's live view.

import { liveDisplay, LiveDisplay } from '../notebook/display';
import { ChartOptions, lineChart, Series } from './charts';
import { ensurePlotly, Figure, renderFigure } from './plotly';

export class LiveLineChart {
  private readonly series = new Map<string, Series>();
  private readonly display: LiveDisplay;
  private lastDraw = 0;
  private printed = false;

  constructor(private readonly options: ChartOptions & { logY?: boolean; minIntervalMs?: number } = {}) {
    ensurePlotly();
    this.display = liveDisplay((text) => { if (this.printed) console.log(text); });
  }

  /** Adds one point per named value at x, and redraws if enough time has passed. */
  push(x: number, values: Record<string, number>): void {
    for (const [name, y] of Object.entries(values)) {
      if (!this.series.has(name)) this.series.set(name, { name, x: [], y: [] });
      const s = this.series.get(name)!;
      s.x.push(x);
      s.y.push(y);
    }
    const now = Date.now();
    if (now - this.lastDraw >= (this.options.minIntervalMs ?? 500)) {
      this.lastDraw = now;
      this.display.update(renderFigure(this.figure()));
    }
  }

  /** Draws the final state (and, on a terminal, prints its summary once). */
  flush(): void {
    this.printed = true;
    this.display.update(renderFigure(this.figure()));
  }

  /** The chart as it stands. */
  figure(): Figure {
    return lineChart([...this.series.values()], this.options);
  }

  /** The points of one series so far. */
  values(name: string): Series | undefined {
    return this.series.get(name);
  }
}
