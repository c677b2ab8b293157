// Lesson 1 of the data pipeline: where the text comes from.
//
// A dataset is a file at a public URL, pinned by its size and sha256, so every learner trains on the
// same bytes and a truncated or tampered download is caught instead of silently training on it. This
// file is only the registry (plain data); src/data/download.ts fetches and caches the files.
//
// Left out: datasets split across many shards (nanochat's FineWeb-Edu): one file per entry is enough
// for a laptop-sized lab.

import { assert } from '../util/assert';

/** The names of the registered datasets. */
export type DatasetName = 'tinyshakespeare';

/** One downloadable file, pinned by size and checksum. */
export interface DatasetSpec {
  /** The registry key, also used in messages ('tinyshakespeare'). */
  name: string;
  /** The file name in the cache and in a mirror ('tinyshakespeare.txt'). */
  fileName: string;
  /** The canonical public URL. */
  url: string;
  /** The exact size in bytes. */
  bytes: number;
  /** The sha256 of the file, 64 lowercase hex digits. */
  sha256: string;
  /** One line for listings: what the file is and where it comes from. */
  description: string;
}

/** The registry. Tests pass their own `DatasetSpec` instead of editing this. */
export const DATASETS: Readonly<Record<DatasetName, DatasetSpec>> = {
  tinyshakespeare: {
    name: 'tinyshakespeare',
    fileName: 'tinyshakespeare.txt',
    url: 'https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt',
    bytes: 1_115_394,
    sha256: '86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed',
    description: 'Tiny Shakespeare: 40,000 lines of plays in one text file (char-rnn, nanoGPT).',
  },
};

/**
 * Checks a spec before any byte is fetched, so a typo fails with the field at fault.
 *
 *   checkSpec({ ...DATASETS.tinyshakespeare, sha256: 'abc' }) → throws "... sha256 'abc' ..."
 */
export function checkSpec(spec: DatasetSpec): DatasetSpec {
  assert(/^[0-9a-f]{64}$/.test(spec.sha256), () => `dataset ${spec.name}: sha256 '${spec.sha256}' must be 64 lowercase hex digits`);
  assert(Number.isSafeInteger(spec.bytes) && spec.bytes >= 0, () => `dataset ${spec.name}: bytes ${spec.bytes} must be a non-negative integer`);
  assert(/^[A-Za-z0-9._-]+$/.test(spec.fileName), () => `dataset ${spec.name}: fileName '${spec.fileName}' must be a plain file name (letters, digits, . _ -)`);
  assert(/^https?:\/\//.test(spec.url), () => `dataset ${spec.name}: url '${spec.url}' must start with http:// or https://`);
  return spec;
}

/**
 * The spec for a registered name, or the spec itself when one is passed (tests, custom files).
 *
 *   resolveSpec('tinyshakespeare').fileName → 'tinyshakespeare.txt'
 */
export function resolveSpec(dataset: DatasetName | DatasetSpec): DatasetSpec {
  if (typeof dataset !== 'string') return checkSpec(dataset);
  const spec = (DATASETS as Record<string, DatasetSpec | undefined>)[dataset];
  assert(spec !== undefined, () => `unknown dataset '${dataset}'; known: ${Object.keys(DATASETS).join(', ')}`);
  return checkSpec(spec);
}
