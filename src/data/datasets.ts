// Lesson 1 of the data pipeline: where the text comes from.
//
// A dataset is a file at a public URL, pinned by its size and sha256, so every learner trains on the
// same bytes and a truncated or tampered download is caught instead of silently training on it. The
// pins live in one place, the dataset's manifest under datasets/ at the project root (with its license
// and citation); this file reads them into the registry. src/data/download.ts fetches and caches.
//
// Left out: datasets split across many shards (nanochat's FineWeb-Edu): one file per entry is enough
// for a laptop-sized lab.

import { assert } from '../util/assert';
// subtle: imported, not read at run time, so tsc copies the manifest into dist/ and a bundle inlines it.
import tinyshakespeare from '../../datasets/tinyshakespeare/manifest.json';

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

/** A downloaded dataset's manifest (datasets/<name>/manifest.json): the spec, where it comes from, and its terms. */
export interface DatasetManifest extends DatasetSpec {
  source: 'download';
  /** Under what terms the data may be used. */
  license: string;
  /** Whom to credit, and where the data was published. */
  citation: string;
}

/**
 * A manifest read from JSON, checked field by field so a hand edit fails with the field at fault.
 *
 *   manifestSpec({ name: 'x', ..., bytes: '12' }) → throws "... bytes must be a number ..."
 */
export function manifestSpec(json: Record<string, unknown>): DatasetManifest {
  const name = String(json.name);
  for (const key of ['name', 'description', 'fileName', 'url', 'sha256', 'license', 'citation'] as const) {
    assert(typeof json[key] === 'string',
      () => `dataset manifest ${name}: ${key} must be a string, got ${JSON.stringify(json[key])}; ` +
        `fix datasets/${name}/manifest.json`);
  }
  assert(typeof json.bytes === 'number',
    () => `dataset manifest ${name}: bytes must be a number, got ${JSON.stringify(json.bytes)}; ` +
      `fix datasets/${name}/manifest.json`);
  assert(json.source === 'download',
    () => `dataset manifest ${name}: source must be 'download', got ${JSON.stringify(json.source)}`);
  const m = json as unknown as DatasetManifest;
  checkSpec(m);
  return m;
}

/** The registry, from the manifests. Tests pass their own `DatasetSpec` instead of editing this. */
export const DATASETS: Readonly<Record<DatasetName, DatasetManifest>> = {
  tinyshakespeare: manifestSpec(tinyshakespeare),
};

/**
 * Checks a spec before any byte is fetched, so a typo fails with the field at fault.
 *
 *   checkSpec({ ...DATASETS.tinyshakespeare, sha256: 'abc' }) → throws "... sha256 'abc' ..."
 */
export function checkSpec(spec: DatasetSpec): DatasetSpec {
  assert(/^[0-9a-f]{64}$/.test(spec.sha256),
    () => `dataset ${spec.name}: sha256 '${spec.sha256}' must be 64 lowercase hex digits`);
  assert(Number.isSafeInteger(spec.bytes) && spec.bytes >= 0,
    () => `dataset ${spec.name}: bytes ${spec.bytes} must be a non-negative integer`);
  assert(/^[A-Za-z0-9._-]+$/.test(spec.fileName),
    () => `dataset ${spec.name}: fileName '${spec.fileName}' must be a plain file name (letters, digits, . _ -)`);
  assert(/^https?:\/\//.test(spec.url),
    () => `dataset ${spec.name}: url '${spec.url}' must start with http:// or https://`);
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
