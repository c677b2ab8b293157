// The learning rate over training: a linear warmup to the peak, then a cosine decay to a floor,
// as nanoGPT's get_lr.
//
//   lr
//   max ┤   ╭─╮
//       │  ╱   ╲___
//   min ┤ ╱        ╲______
//       └─┴────────┴──────  step
//         warmup   decay
// Left out: other schedules (constant, WSD, inverse sqrt).

import { assert } from '../util/assert';

/** A warmup + cosine schedule. */
export interface LrSchedule {
  /** Peak learning rate, reached at the end of warmup. */
  maxLr: number;
  /** Floor after decay (nanoGPT: maxLr / 10). */
  minLr: number;
  /** Steps of linear warmup. */
  warmupSteps: number;
  /** The step at which the cosine reaches minLr; it stays there after. */
  decaySteps: number;
}

/**
 * nanoGPT's usual schedule: the floor a tenth of the peak.
 *
 *   tenthFloor(3e-3, 20, 1000) → { maxLr: 3e-3, minLr: 3e-4, warmupSteps: 20, decaySteps: 1000 }
 */
export function tenthFloor(maxLr: number, warmupSteps: number, decaySteps: number): LrSchedule {
  return { maxLr, minLr: maxLr / 10, warmupSteps, decaySteps };
}

/** Checks a schedule and returns it. */
export function checkSchedule(s: LrSchedule): LrSchedule {
  assert(s.maxLr > 0 && s.minLr >= 0 && s.minLr <= s.maxLr,
    () => `learning rates must satisfy 0 <= minLr (${s.minLr}) <= maxLr (${s.maxLr}) and maxLr > 0`);
  assert(Number.isSafeInteger(s.warmupSteps) && s.warmupSteps >= 0,
    () => `warmupSteps (${s.warmupSteps}) must be a non-negative integer`);
  assert(s.decaySteps >= s.warmupSteps,
    () => `decaySteps (${s.decaySteps}) must be at least warmupSteps (${s.warmupSteps})`);
  return s;
}

/**
 * The learning rate at `step` (0-based): (step+1)/warmup · max during warmup, then
 * min + ½(1 + cos(π · progress)) · (max - min), then min.
 *
 *   learningRate(9, { maxLr: 1e-3, minLr: 1e-4, warmupSteps: 10, decaySteps: 110 }) → 1e-3 (warmup end)
 *   learningRate(60, same) → 5.5e-4 (halfway: the mean of max and min);  learningRate(110, same) → 1e-4
 */
export function learningRate(step: number, s: LrSchedule): number {
  if (step < s.warmupSteps) return (s.maxLr * (step + 1)) / s.warmupSteps;
  if (step >= s.decaySteps) return s.minLr;
  const span = s.decaySteps - s.warmupSteps;
  if (span === 0) return s.minLr;
  const progress = (step - s.warmupSteps) / span; // 0 → 1
  return s.minLr + 0.5 * (1 + Math.cos(Math.PI * progress)) * (s.maxLr - s.minLr);
}

/**
 * Training settings run for `steps` optimizer steps instead: maxSteps set, the schedule's decay
 * stretched to match and its warmup capped at a tenth of them. Unchanged when `steps` is undefined.
 *
 *   withSteps({ maxSteps: 300, schedule: { maxLr, minLr, warmupSteps: 20, decaySteps: 300 } }, 50)
 *   → { maxSteps: 50, schedule: { maxLr, minLr, warmupSteps: 5, decaySteps: 50 } }
 */
export function withSteps<T extends { maxSteps?: number; schedule?: LrSchedule }>(train: T, steps?: number): T {
  if (steps === undefined) return train;
  assert(Number.isSafeInteger(steps) && steps > 0, () => `steps (${steps}) must be a positive integer`);
  const s = train.schedule;
  return {
    ...train,
    maxSteps: steps,
    schedule: s === undefined ? undefined
      : { ...s, decaySteps: steps, warmupSteps: Math.min(s.warmupSteps, Math.floor(steps / 10)) },
  };
}
