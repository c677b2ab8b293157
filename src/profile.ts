// Run profiles: the same notebook runs a small, fast setting in CI, a short one for a workshop and
// the real one for learners.
//
// `ci` is the smoke test (seconds per notebook; the models learn little), `workshop` shows every
// effect of notebooks 04-06 in about two minutes each on a 2-core CPU, `full` is what the notebooks'
// prose was measured with. Code in src/ takes the profile as a parameter; only the edges (the CLI and
// the notebooks) read GPTLAB_PROFILE, through profile() below. A notebook asks
// `pick({ ci, workshop, full })` rather than testing the variable itself, so every knob that differs
// between profiles is visible at its use.

import { assert } from './util/assert';

export type Profile = 'ci' | 'workshop' | 'full';
export const PROFILES: readonly Profile[] = ['ci', 'workshop', 'full'];

/**
 * A profile name checked, for the edges that read one (GPTLAB_PROFILE, --profile).
 *
 *   parseProfile('workshop', '--profile') → 'workshop'
 *   parseProfile('fast', '--profile') → throws, naming the choices
 */
export function parseProfile(raw: string, source: string): Profile {
  const name = raw.trim().toLowerCase();
  assert((PROFILES as readonly string[]).includes(name),
    () => `${source}='${raw}' is not a profile; use one of: ${PROFILES.join(', ')}`);
  return name as Profile;
}

/** The profile GPTLAB_PROFILE names (default 'full'). Only the CLI and the notebooks call this. */
export function profile(): Profile {
  return parseProfile(process.env.GPTLAB_PROFILE ?? 'full', 'GPTLAB_PROFILE');
}

/**
 * The seed GPTLAB_SEED names (a non-negative integer), or undefined: each stage then uses its profile's own
 * seed. A notebook passes it to getStage and stageSettings, so `gpt-lab notebooks --seed 2` reruns every
 * claim on another seed, with its models in runs/<profile>-seed2/. Only the CLI and the notebooks call this.
 *
 *   runSeed() → undefined (GPTLAB_SEED unset);  runSeed() → 2 (GPTLAB_SEED=2);  GPTLAB_SEED=two → throws
 */
export function runSeed(): number | undefined {
  const raw = process.env.GPTLAB_SEED;
  if (raw === undefined || raw.trim() === '') return undefined;
  assert(/^\d+$/.test(raw.trim()) && Number.isSafeInteger(Number(raw.trim())),
    () => `GPTLAB_SEED='${raw}' is not a seed; use a non-negative integer such as 2, ` +
      `or unset it for the profile's own seeds`);
  return Number(raw.trim());
}

/**
 * The value for the active profile (for notebooks). A notebook that is quick in full (00-03) names
 * only ci and full; the workshop then runs the full setting.
 *
 *   pick({ ci: 20, workshop: 200, full: 2000 })  → 20 when GPTLAB_PROFILE=ci, 200 when workshop
 *   pick({ ci: 20, full: 2000 })                 → 2000 when GPTLAB_PROFILE=workshop
 */
export function pick<T>(choices: { ci: T; full: T; workshop?: T }): T {
  const p = profile();
  return p === 'workshop' ? choices.workshop ?? choices.full : choices[p];
}
