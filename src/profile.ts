// Run profiles: the same notebook runs a small, fast setting in CI and the real one for learners.
//
// `GPTLAB_PROFILE=ci` picks the small settings (seconds per notebook); anything else, or nothing, is
// `full`, the settings the notebooks are written for. Code asks `pick({ ci, full })` rather than
// testing the variable itself, so every knob that differs between the two is visible at its use.

import { assert } from './util/assert';

export type Profile = 'ci' | 'full';
export const PROFILES: readonly Profile[] = ['ci', 'full'];

/** The active profile, from GPTLAB_PROFILE (default 'full'). */
export function profile(): Profile {
  const raw = (process.env.GPTLAB_PROFILE ?? 'full').trim().toLowerCase();
  assert((PROFILES as readonly string[]).includes(raw),
    () => `GPTLAB_PROFILE='${process.env.GPTLAB_PROFILE}' is not a profile; use one of: ${PROFILES.join(', ')}`);
  return raw as Profile;
}

/**
 * The value for the active profile.
 *
 *   pick({ ci: 20, full: 2000 })  → 20 when GPTLAB_PROFILE=ci, else 2000
 */
export function pick<T>(choices: Record<Profile, T>): T {
  return choices[profile()];
}
