// A settings fingerprint: a short hash of the settings a stage was trained with, recorded in its
// checkpoint, so a finished stage whose settings have since changed (a `git pull` that raised maxSteps)
// is not loaded as if it were the model those settings make.
//
//   fingerprint({ train: { maxSteps: 150 }, from: 'a1b2c3d4e5f6' })
//     → { hash: '…12 hex…', fields: { from: '…', train: '…' } }
//   changedFields(old, now) → ['train']
//
// The hash is the first 12 hex characters of the sha256 of a canonical JSON text (keys sorted at every
// depth, undefined dropped), so key order never matters and any changed number does. Each top-level
// field is hashed on its own too, so a mismatch can say which fields changed. Left out: which settings
// each stage fingerprints (run.ts), and the code itself (a changed default inside a stage's code is
// not seen: only the settings objects are hashed).

import { createHash } from 'crypto';
import { SettingsFingerprint } from '../train/checkpoint';

export type { SettingsFingerprint };

/** How many hex characters of the sha256 a fingerprint keeps. */
export const FINGERPRINT_LENGTH = 12;

/**
 * JSON with every object's keys sorted and undefined (or function) values dropped, as JSON.stringify
 * drops them: the same settings give the same text whatever order their keys were written in.
 *
 *   canonicalJson({ b: 1, a: [2, { d: undefined, c: 3 }] }) → '{"a":[2,{"c":3}],"b":1}'
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(value));
}

function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined && typeof v !== 'function') out[key] = sorted(v);
  }
  return out;
}

/**
 * The first 12 hex characters of the sha256 of value's canonical JSON.
 *
 *   settingsHash({ a: 1, b: 2 }) === settingsHash({ b: 2, a: 1 }) → true
 */
export function settingsHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, FINGERPRINT_LENGTH);
}

/** The fingerprint of a stage's settings, given as named top-level fields. */
export function fingerprint(fields: Record<string, unknown>): SettingsFingerprint {
  const hashes: Record<string, string> = {};
  for (const key of Object.keys(fields).sort()) if (fields[key] !== undefined) hashes[key] = settingsHash(fields[key]);
  return { hash: settingsHash(fields), fields: hashes };
}

/**
 * The top-level fields whose hashes differ (or that only one side has), sorted; undefined when the
 * recorded fingerprint holds no per-field hashes (or is malformed), so only "changed" can be said.
 *
 *   changedFields({ hash: 'x', fields: { train: 'a', data: 'b' } },
 *                 { hash: 'y', fields: { train: 'c', data: 'b' } }) → ['train']
 */
export function changedFields(recorded: SettingsFingerprint, current: SettingsFingerprint): string[] | undefined {
  const old = recorded.fields;
  if (old === null || typeof old !== 'object') return undefined;
  const keys = [...new Set([...Object.keys(old), ...Object.keys(current.fields)])].sort();
  const changed = keys.filter((k) => old[k] !== current.fields[k]);
  return changed.length > 0 ? changed : undefined;
}

/** Whether a recorded fingerprint is the current one (a malformed record never is). */
export function sameFingerprint(recorded: SettingsFingerprint, current: SettingsFingerprint): boolean {
  return recorded !== null && typeof recorded === 'object' && recorded.hash === current.hash;
}
