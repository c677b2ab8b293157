// Lesson 4 of prompting techniques: how sure is a measured accuracy? The percentile bootstrap.
//
// An accuracy of 62% on 200 held-out problems could be 55% or 69% on another 200. The bootstrap
// estimates that spread from the sample itself: draw the n problems again with replacement, many
// times, recompute the accuracy each time, and report the middle `level` of those accuracies.
//
// Two techniques on the SAME problems are compared with a paired bootstrap: each resample draws
// problem indices once and uses them for both, so the difference of accuracies keeps the
// correlation between the techniques (a problem easy for one is usually easy for the other), which
// makes its interval much narrower than two independent intervals suggest.
//
// Quantiles interpolate linearly between order statistics (numpy's default, 'type 7'). Seeded: the
// same outcomes, resamples and seed give the same interval.
//
// Left out: BCa and studentized intervals (better coverage on small or skewed samples).

import { assert } from '../util/assert';
import { Rng } from '../data/rng';

/** A bootstrap run. */
export interface BootstrapConfig {
  /** Number of resamples (default 2000). */
  resamples: number;
  /** Central coverage of the interval, in (0, 1) (default 0.95). */
  level: number;
  /** Seeds the resampling (default 0). */
  seed: number;
}

/** A point estimate with its interval. */
export interface Interval {
  /** The statistic on the sample itself. */
  estimate: number;
  lower: number;
  upper: number;
  /** The coverage asked for. */
  level: number;
  /** Sample size. */
  n: number;
}

/**
 * Fills defaults (2000 resamples, 95%, seed 0) and checks them.
 *
 *   makeBootstrapConfig({ level: 0.9 }) → { resamples: 2000, level: 0.9, seed: 0 }
 */
export function makeBootstrapConfig(overrides: Partial<BootstrapConfig> = {}): BootstrapConfig {
  const c: BootstrapConfig = { resamples: 2000, level: 0.95, seed: 0, ...overrides };
  assert(Number.isInteger(c.resamples) && c.resamples >= 10,
    () => `bootstrap resamples ${c.resamples} must be an integer >= 10 (2000 is usual)`);
  assert(c.level > 0 && c.level < 1, () => `bootstrap level ${c.level} must be in (0, 1), e.g. 0.95`);
  assert(Number.isSafeInteger(c.seed), () => `bootstrap seed ${c.seed} must be an integer`);
  return c;
}

/**
 * The q-quantile of ascending values, interpolating linearly between neighbours (numpy's default).
 *
 *   quantile([0, 10, 20, 30], 0.5) → 15;  quantile([0, 10], 0) → 0;  quantile([0, 10], 1) → 10
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  assert(sorted.length > 0 && q >= 0 && q <= 1,
    () => `quantile: need values and q in [0, 1], got ${sorted.length} values, q=${q}`);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** The percentile interval of `resamples` statistics, each of a resample drawn by index. */
function percentile(n: number, stat: (pick: Int32Array) => number, estimate: number, c: BootstrapConfig): Interval {
  const rng = new Rng(c.seed);
  const stats = new Float64Array(c.resamples);
  const pick = new Int32Array(n);
  for (let r = 0; r < c.resamples; r++) {
    for (let i = 0; i < n; i++) pick[i] = rng.int(0, n);
    stats[r] = stat(pick);
  }
  stats.sort();
  const tail = (1 - c.level) / 2;
  return { estimate, lower: quantile(stats, tail), upper: quantile(stats, 1 - tail), level: c.level, n };
}

/**
 * The accuracy of per-problem outcomes (1 right, 0 wrong; any numbers work: it is their mean) with a
 * percentile bootstrap interval.
 *
 *   bootstrapMean([1, 1, 0, 1]) → { estimate: 0.75, lower: 0.25, upper: 1, level: 0.95, n: 4 }
 */
export function bootstrapMean(outcomes: readonly number[], config: Partial<BootstrapConfig> = {}): Interval {
  const c = makeBootstrapConfig(config);
  const n = outcomes.length;
  assert(n > 0, () => 'bootstrapMean: no outcomes; evaluate at least one problem');
  return percentile(n, (pick) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += outcomes[pick[i]];
    return s / n;
  }, mean(outcomes), c);
}

/**
 * mean(a) - mean(b) for outcomes of two techniques on the same problems (a[i] and b[i] are problem
 * i), with a paired percentile bootstrap interval.
 *
 *   bootstrapPairedDifference([1, 1, 1, 0], [1, 0, 1, 0]) → { estimate: 0.25, lower: 0, upper: 0.75, ... }
 */
export function bootstrapPairedDifference(
  a: readonly number[], b: readonly number[], config: Partial<BootstrapConfig> = {},
): Interval {
  assert(a.length === b.length,
    () => `bootstrapPairedDifference: ${a.length} outcomes against ${b.length}; pair them problem by problem`);
  const diff = a.map((x, i) => x - b[i]);
  return bootstrapMean(diff, config);
}
