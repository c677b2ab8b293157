// What notebook 06 and `gpt-lab rlhf` show: per-step curves of several runs side by side, and one
// table row per model on the held-out prompts.
// Left out: drawing (src/viz does it); these build data only, so tests can check them.

import { lineChart } from '../viz/charts';
import { Figure } from '../viz/plotly';
import { PolicyEval, RlStepInfo } from './rl';

/** The per-step metrics a chart can show, with their axis titles. */
export const RL_METRICS = {
  reward: 'reward model score (mean)',
  kl: 'KL to SFT per reply (nats)',
  correct: 'true score (fraction right)',
  labeler: 'labeler score',
  distinct2: 'distinct-2 within a prompt',
  length: 'reply length (chars)',
} as const;
export type RlMetric = keyof typeof RL_METRICS;

/**
 * A trailing moving average over `window` points (fewer at the start): RL curves from small batches
 * are noisy.
 *
 *   movingAverage([1, 2, 3, 4], 2) → [1, 1.5, 2.5, 3.5]
 */
export function movingAverage(ys: readonly number[], window: number): number[] {
  return ys.map((_, i) => {
    const from = Math.max(0, i - window + 1);
    const part = ys.slice(from, i + 1);
    return part.reduce((s, y) => s + y, 0) / part.length;
  });
}

/**
 * One line per run of a metric against the step, smoothed over `smooth` steps (1: raw).
 *
 *   metricChart({ ppo: history }, 'reward', 5) → a line chart titled 'reward model score (mean)'
 */
export function metricChart(runs: Record<string, readonly RlStepInfo[]>, metric: RlMetric, smooth = 1): Figure {
  const series = Object.entries(runs).map(([name, h]) => ({
    name, x: h.map((s) => s.step), y: movingAverage(h.map((s) => s[metric]), smooth),
  }));
  const note = smooth > 1 ? ` (moving average of ${smooth} steps)` : '';
  return lineChart(series, { title: RL_METRICS[metric] + note, xLabel: 'RL step', yLabel: metric, height: 300 });
}

/**
 * One row per model: its held-out scores, rounded for a table.
 *
 *   comparisonRows({ sft: evalA, ppo: evalB }) → [{ model: 'sft', 'RM reward': -0.14, ... }, { model: 'ppo', ... }]
 */
export function comparisonRows(evals: Record<string, PolicyEval>): Record<string, string | number>[] {
  const r = (x: number, d = 3) => Number(x.toFixed(d));
  return Object.entries(evals).map(([model, e]) => ({
    model, 'RM reward': r(e.reward), 'KL to SFT': r(e.kl), 'true score %': r(100 * e.correct, 1), labeler: r(e.labeler),
    'distinct-1': r(e.distinct1), 'distinct-2': r(e.distinct2), 'length (chars)': r(e.length, 1),
  }));
}
