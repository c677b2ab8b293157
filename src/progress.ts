// Progress for long work: a bar with the rate and the time left, updated in place in a notebook
// (one display entry, redrawn) and in a terminal (one line, redrawn with \r). When the output is not
// a terminal (a CI log), it prints a plain line every 10% instead, so logs stay short.
//
//   const bar = new Progress(2000, { label: 'pretrain', unit: 'step' });
//   for (...) bar.tick(1, { loss: 2.31 });
//   bar.done();

import { escapeHtml, inNotebook, liveDisplay, LiveDisplay } from './notebook/display';
import { assert } from './util/assert';

export interface ProgressOptions {
  /** What is being done, shown before the bar. */
  label?: string;
  /** The unit counted, for the rate ('step' → 'step/s'). */
  unit?: string;
  /** Redraw at most this often, in ms (default 200). */
  minIntervalMs?: number;
  /** The clock, in ms; tests pass a fake one. */
  now?: () => number;
  /** Where terminal output goes (default process.stderr). */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Extra numbers shown after the bar, e.g. { loss: 2.31 }. */
export type ProgressInfo = Record<string, number | string>;

/** What a progress line shows; pure data, so formatting is testable. */
export interface ProgressState {
  label: string;
  unit: string;
  done: number;
  total: number;
  elapsedMs: number;
  info: ProgressInfo;
}

/** Seconds as m:ss or h:mm:ss: formatDuration(75) → '1:15', formatDuration(3725) → '1:02:05'. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  const [h, m, r] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(r)}` : `${m}:${pad(r)}`;
}

/** Units per second so far, and seconds left at that rate (Infinity before any progress). */
export function rateAndEta(s: ProgressState): { rate: number; etaSeconds: number } {
  const secs = s.elapsedMs / 1000;
  const rate = secs > 0 ? s.done / secs : 0;
  return { rate, etaSeconds: rate > 0 ? (s.total - s.done) / rate : Infinity };
}

function formatInfo(info: ProgressInfo): string {
  return Object.entries(info)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`)
    .join(' ');
}

/**
 * One progress line.
 *
 *   formatProgress({ label: 'train', unit: 'step', done: 50, total: 200, elapsedMs: 10000, info: {} })
 *   → 'train  25% |█████               | 50/200 [0:10<0:30, 5.00 step/s]'
 */
export function formatProgress(s: ProgressState, width = 20): string {
  const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 1;
  const filled = Math.round(frac * width);
  const { rate, etaSeconds } = rateAndEta(s);
  const pct = `${Math.floor(frac * 100)}%`.padStart(4);
  const head = s.label ? `${s.label} ` : '';
  const bar = `|${'█'.repeat(filled)}${' '.repeat(width - filled)}|`;
  const timing =
    `[${formatDuration(s.elapsedMs / 1000)}<${formatDuration(etaSeconds)}, ${rate.toFixed(2)} ${s.unit}/s]`;
  const info = formatInfo(s.info);
  return `${head}${pct} ${bar} ${s.done}/${s.total} ${timing}${info ? ' ' + info : ''}`;
}

function progressHtml(s: ProgressState): string {
  const frac = s.total > 0 ? Math.min(1, s.done / s.total) : 1;
  const text = escapeHtml(formatProgress(s).replace(/\|[█ ]*\|/, '').replace(/\s+/g, ' '));
  return `<div class="gptlab-progress" style="font-family:monospace;font-size:90%">
<div style="display:inline-block;width:240px;height:10px;background:#eee;vertical-align:middle">
<div style="width:${(frac * 100).toFixed(1)}%;height:100%;background:#4c78a8"></div></div> ${text}</div>`;
}

export class Progress {
  private doneCount = 0;
  private info: ProgressInfo = {};
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastLoggedDecile = -1;
  private lastLoggedDone = -1;
  private readonly now: () => number;
  private readonly display: LiveDisplay | null;
  private readonly stream: NodeJS.WritableStream & { isTTY?: boolean };

  constructor(readonly total: number, private readonly options: ProgressOptions = {}) {
    assert(Number.isFinite(total) && total >= 0, () => `progress total must be a non-negative number, got ${total}`);
    this.now = options.now ?? Date.now;
    this.start = this.now();
    this.stream = options.stream ?? process.stderr;
    this.display = inNotebook() ? liveDisplay() : null;
  }

  /** The current state, for custom displays. */
  state(): ProgressState {
    return {
      label: this.options.label ?? '', unit: this.options.unit ?? 'it', done: this.doneCount,
      total: this.total, elapsedMs: this.now() - this.start, info: this.info,
    };
  }

  /** Advances by n units, with optional numbers to show (they replace earlier values of the same name). */
  tick(n = 1, info?: ProgressInfo): void {
    this.update(this.doneCount + n, info);
  }

  /** Sets the count of units done. */
  update(done: number, info?: ProgressInfo): void {
    this.doneCount = done;
    if (info) this.info = { ...this.info, ...info };
    const t = this.now();
    if (t - this.lastDraw >= (this.options.minIntervalMs ?? 200) || done >= this.total) {
      this.lastDraw = t;
      this.draw(false);
    }
  }

  /** Draws the final state and ends the line. */
  done(info?: ProgressInfo): void {
    if (info) this.info = { ...this.info, ...info };
    this.draw(true);
  }

  private draw(final: boolean): void {
    const s = this.state();
    if (this.display) {
      this.display.update({ html: () => progressHtml(s), text: () => formatProgress(s) });
    } else if (this.stream.isTTY) {
      this.stream.write(`\r\x1b[2K${formatProgress(s)}${final ? '\n' : ''}`);
    } else {
      // A log, not a terminal: one line per 10% (and the last), never a redraw.
      const decile = s.total > 0 ? Math.floor((10 * s.done) / s.total) : 10;
      if (decile > this.lastLoggedDecile || (final && s.done !== this.lastLoggedDone)) {
        this.lastLoggedDecile = decile;
        this.lastLoggedDone = s.done;
        this.stream.write(`${formatProgress(s)}\n`);
      }
    }
  }
}
