// Lesson 2 of the data pipeline: fetching a dataset once, and trusting it afterwards.
//
// `fetchDataset` returns the path of a verified copy of a registered file. It looks in three places,
// in order:
//   1. the cache (GPTLAB_DATA_DIR, default <project root>/.cache/datasets), re-verified on every call;
//   2. a mirror (GPTLAB_MIRROR), for machines without internet: a local directory holding the file
//      under its registry file name (read in place, never copied), or a base URL to download from;
//   3. the canonical URL in the registry.
// Downloads follow redirects, report progress, and land atomically: bytes go to a temp file in the
// cache directory, which is renamed to the final name only after its size and sha256 match. So a
// file under the final name is always complete, and a failed download leaves nothing behind.
//
// Left out: resuming a partial download (files here are small), proxies, and parallel shards.

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as https from 'https';
import * as path from 'path';
import { Transform } from 'stream';
import { pipeline } from 'stream/promises';
import { GptLabError, assert } from '../util/assert';
import { DatasetName, DatasetSpec, resolveSpec } from './datasets';
import { PROJECT_ROOT } from '../util/project';

/** Where to look and how to report; every field is optional. */
export interface FetchOptions {
  /** The cache directory (default: $GPTLAB_DATA_DIR, else <project root>/.cache/datasets). */
  cacheDir?: string;
  /** A local directory holding the file under its fileName, or a base URL (default: $GPTLAB_MIRROR). */
  mirror?: string;
  /** Where GPTLAB_DATA_DIR and GPTLAB_MIRROR are read (default: process.env); tests pass {}. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called as bytes arrive, with the bytes so far and the expected total: drive a progress bar. */
  onProgress?: (bytes: number, total: number) => void;
  /** Give up when the connection is silent this long, in ms (default 30000). */
  timeoutMs?: number;
  /** The most redirects followed (default 5). */
  maxRedirects?: number;
}

/** Where the verified file came from. */
export type DatasetSource = 'cache' | 'mirror' | 'download';

/** A verified file on disk. */
export interface DatasetFile {
  /** Absolute path of the verified file (in the cache, or in a local mirror directory). */
  path: string;
  /** Where it came from on this call: 'cache' means no byte was fetched. */
  source: DatasetSource;
}

/** The size and checksum of some bytes. */
export interface Digest {
  bytes: number;
  sha256: string;
}

// ---------------------------------------------------------------------------------------------------
// Small helpers

/**
 * True for strings that name an http(s) URL rather than a directory.
 *
 *   isUrl('https://example.org/data') → true,  isUrl('/work/shared/datasets') → false
 */
export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

/**
 * The URL of a file under a mirror's base URL, with exactly one slash between them.
 *
 *   mirrorUrl('http://host/data/', 'tinyshakespeare.txt') → 'http://host/data/tinyshakespeare.txt'
 */
export function mirrorUrl(base: string, fileName: string): string {
  return `${base.replace(/\/+$/, '')}/${fileName}`;
}

/**
 * The cache directory: options.cacheDir, else $GPTLAB_DATA_DIR, else <project root>/.cache/datasets
 * (the project root found from this module's location, so it does not depend on the working
 * directory; the current directory stands in when there is none).
 */
export function resolveCacheDir(options: FetchOptions = {}): string {
  const env = options.env ?? process.env;
  const chosen = options.cacheDir ?? nonEmpty(env.GPTLAB_DATA_DIR);
  if (chosen !== undefined) return path.resolve(chosen);
  return path.join(PROJECT_ROOT, '.cache', 'datasets');
}

/** The mirror to use: options.mirror, else $GPTLAB_MIRROR; empty means none. */
export function resolveMirror(options: FetchOptions = {}): string | undefined {
  const env = options.env ?? process.env;
  return nonEmpty(options.mirror ?? env.GPTLAB_MIRROR);
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s.trim() === '' ? undefined : s;
}

/**
 * True when a digest matches a spec's size and checksum.
 *
 *   matches({ bytes: 3, sha256: 'ab..' }, spec with bytes 4) → false
 */
export function matches(digest: Digest, spec: DatasetSpec): boolean {
  return digest.bytes === spec.bytes && digest.sha256 === spec.sha256;
}

/** The sentence every failure ends with: how to get the file another way. */
function fixHint(spec: DatasetSpec): string {
  return (
    `Fix: check your network and retry, or set GPTLAB_MIRROR to a directory holding ${spec.fileName} ` +
    `(or to a base URL serving it), or download ${spec.url} by hand into that directory.`
  );
}

/** The mismatch message: the URL (or path), expected and actual size and checksum, and the fix. */
function mismatchMessage(spec: DatasetSpec, from: string, got: Digest, what: string): string {
  return (
    `Checksum mismatch for dataset ${spec.name} from ${from}: expected ${spec.bytes} bytes with sha256 ` +
    `${spec.sha256}, got ${got.bytes} bytes with sha256 ${got.sha256}. ${what} ${fixHint(spec)}`
  );
}

/** Size and sha256 of a file on disk, streamed (so large files cost no memory). */
export async function digestFile(file: string): Promise<Digest> {
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  for await (const chunk of fs.createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true });
}

// ---------------------------------------------------------------------------------------------------
// HTTP

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** One GET; resolves with the response headers, rejects on connection errors and silence. */
function get(url: URL, timeoutMs: number): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.get(url, { headers: { 'user-agent': 'gpt-lab', 'accept-encoding': 'identity' } }, resolve);
    // subtle: the socket timeout also covers a response that stalls mid-body, not only the connect.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs} ms (timeout)`)));
    req.on('error', reject);
  });
}

/** GET with redirects followed; resolves with the 200 response, whose body is still unread. */
async function getFollowingRedirects(url: string, timeoutMs: number, maxRedirects: number): Promise<http.IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await get(current, timeoutMs);
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status) && res.headers.location !== undefined) {
      res.resume(); // drain the redirect's body so the socket is freed
      if (hop >= maxRedirects) throw new Error(`more than ${maxRedirects} redirects (last to ${res.headers.location})`);
      current = new URL(res.headers.location, current);
      continue;
    }
    if (status !== 200) {
      res.resume();
      const where = current.href === url ? '' : ` (after redirects, at ${current.href})`;
      throw new Error(`HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd() + where);
    }
    return res;
  }
}

/** Downloads `url` into `file`, hashing on the way; checks the body is as long as announced. */
async function downloadTo(url: string, file: string, spec: DatasetSpec, options: FetchOptions): Promise<Digest> {
  const res = await getFollowingRedirects(url, options.timeoutMs ?? 30_000, options.maxRedirects ?? 5);
  const announced = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
  const total = announced ?? spec.bytes;
  const hash = crypto.createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      bytes += chunk.length;
      options.onProgress?.(bytes, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res, counter, fs.createWriteStream(file));
  } catch (e) {
    // subtle: a server that closes early surfaces as 'aborted' or a premature close; name the count.
    const cut = announced !== undefined && bytes < announced ? ` after ${bytes} of ${announced} bytes` : '';
    throw new Error(`the transfer was interrupted${cut} (${(e as Error).message})`);
  }
  if (!res.complete || (announced !== undefined && bytes !== announced)) {
    throw new Error(`the transfer was interrupted after ${bytes} of ${announced ?? '?'} bytes`);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Downloads into the cache atomically: temp file, verify, rename; the temp file never survives. */
async function downloadVerified(url: string, spec: DatasetSpec, cacheDir: string, options: FetchOptions): Promise<string> {
  await fs.promises.mkdir(cacheDir, { recursive: true });
  const final = path.join(cacheDir, spec.fileName);
  // The temp file is in the same directory as the final file, so the rename is atomic.
  const tmp = path.join(cacheDir, `.${spec.fileName}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`);
  try {
    let got: Digest;
    try {
      got = await downloadTo(url, tmp, spec, options);
    } catch (e) {
      throw new GptLabError(`Could not download dataset ${spec.name} from ${url}: ${(e as Error).message}. ${fixHint(spec)}`);
    }
    if (!matches(got, spec)) throw new GptLabError(mismatchMessage(spec, url, got, 'Nothing was cached.'));
    await fs.promises.rename(tmp, final);
    return final;
  } finally {
    await removeQuietly(tmp); // after a successful rename there is nothing left to remove
  }
}

// ---------------------------------------------------------------------------------------------------
// The entry points

/**
 * A verified local copy of a dataset: from the cache, a mirror, or its URL (in that order).
 *
 *   await fetchDataset('tinyshakespeare') → { path: '/…/.cache/datasets/tinyshakespeare.txt', source: 'download' }
 *   await fetchDataset('tinyshakespeare') → { path: '/…/.cache/datasets/tinyshakespeare.txt', source: 'cache' }
 */
export async function fetchDataset(dataset: DatasetName | DatasetSpec, options: FetchOptions = {}): Promise<DatasetFile> {
  const spec = resolveSpec(dataset);
  const cacheDir = resolveCacheDir(options);
  const cached = path.join(cacheDir, spec.fileName);
  if (fs.existsSync(cached)) {
    if (matches(await digestFile(cached), spec)) return { path: cached, source: 'cache' };
    await removeQuietly(cached); // a stale or damaged copy: fetch it again
  }

  const mirror = resolveMirror(options);
  if (mirror !== undefined && !isUrl(mirror)) {
    const local = path.resolve(mirror, spec.fileName);
    assert(
      fs.existsSync(local),
      () => `Mirror directory ${path.resolve(mirror)} (GPTLAB_MIRROR) has no ${spec.fileName} for dataset ${spec.name}. ` +
        `Fix: put the file there (from ${spec.url}), or unset GPTLAB_MIRROR to download it.`,
    );
    const got = await digestFile(local);
    assert(matches(got, spec), () => mismatchMessage(spec, local, got, 'The mirror copy is damaged or a different file.'));
    options.onProgress?.(got.bytes, got.bytes);
    return { path: local, source: 'mirror' };
  }

  const url = mirror !== undefined ? mirrorUrl(mirror, spec.fileName) : spec.url;
  return { path: await downloadVerified(url, spec, cacheDir, options), source: 'download' };
}

/** The verified dataset as UTF-8 text (see `fetchDataset` for where it comes from). */
export async function readDatasetText(dataset: DatasetName | DatasetSpec, options: FetchOptions = {}): Promise<string> {
  const file = await fetchDataset(dataset, options);
  return fs.promises.readFile(file.path, 'utf8');
}
