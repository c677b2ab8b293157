// Lesson 2 of the data pipeline: fetching a dataset once, and trusting it afterwards.
//
// `fetchDataset` returns the path of a verified copy of a registered file. It looks in three places,
// in order:
//   1. the cache (GPTLAB_DATA_DIR, default <project root>/datasets/.cache), re-verified on every call;
//   2. a mirror (GPTLAB_MIRROR), for machines without internet: a local directory holding the file
//      under its registry file name (read in place, never copied), or a base URL to download from;
//   3. the canonical URL in the registry.
// Downloads follow redirects, report progress, and land atomically: bytes go to a temp file in the
// cache directory, which is renamed to the final name only after its size and sha256 match. So a
// file under the final name is always complete, and a failed download leaves nothing behind.
//
// Three limits keep a bad server from hurting the machine, each named in its message: a size cap
// (never more bytes than the registry expects, so a runaway server cannot fill the disk), a stall
// timeout (too little progress for too long: a silent server, or one trickling a byte every few
// seconds) and a total deadline. A temp file is removed when its process is stopped by Ctrl-C or
// SIGTERM, or crashes; one left by a process killed outright (kill -9, a power cut) is removed by the
// next download into the same cache.
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
  /** The cache directory (default: $GPTLAB_DATA_DIR, else <project root>/datasets/.cache). */
  cacheDir?: string;
  /** A local directory holding the file under its fileName, or a base URL (default: $GPTLAB_MIRROR). */
  mirror?: string;
  /** Where GPTLAB_DATA_DIR and GPTLAB_MIRROR are read (default: process.env); tests pass {}. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Called as bytes arrive, with the bytes so far and the expected total: drive a progress bar. */
  onProgress?: (bytes: number, total: number) => void;
  /**
   * The stall timeout, in ms (default 30000): give up when this long passes without 16 KiB (or the
   * rest of the file) arriving, whether the server is silent or trickles.
   */
  timeoutMs?: number;
  /** The total deadline of one download, redirects included, in ms (default 600000: 10 minutes). */
  deadlineMs?: number;
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
 * The cache directory: options.cacheDir, else $GPTLAB_DATA_DIR, else <project root>/datasets/.cache
 * (the project root found from this module's location, so it does not depend on the working
 * directory; the current directory stands in when there is none).
 */
export function resolveCacheDir(options: FetchOptions = {}): string {
  const env = options.env ?? process.env;
  const chosen = options.cacheDir ?? nonEmpty(env.GPTLAB_DATA_DIR);
  if (chosen !== undefined) return path.resolve(chosen);
  return path.join(PROJECT_ROOT, 'datasets', '.cache');
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

/** Where the bytes came from, for the fix a message suggests. */
type Origin = { kind: 'url' } | { kind: 'mirrorUrl'; mirror: string } | { kind: 'mirrorDir'; file: string };

/**
 * The sentence every failure ends with: how to get the file another way. A local mirror directory
 * involves no network, so its fix is about the file there.
 */
function fixHint(spec: DatasetSpec, origin: Origin): string {
  switch (origin.kind) {
    case 'url':
      return `Fix: check your network and retry, or set GPTLAB_MIRROR to a directory holding ${spec.fileName} ` +
        `(or to a base URL serving it), or download ${spec.url} by hand into that directory.`;
    case 'mirrorUrl':
      return `Fix: retry, or check that the mirror GPTLAB_MIRROR=${origin.mirror} serves ${spec.fileName}; or set ` +
        `GPTLAB_MIRROR to a local directory holding the file, or unset it to download from ${spec.url}.`;
    case 'mirrorDir':
      return `Fix: replace ${origin.file} with a good copy (from ${spec.url}), or unset GPTLAB_MIRROR to download it.`;
  }
}

/** The mismatch message: the URL (or path), expected and actual size and checksum, and the fix. */
function mismatchMessage(spec: DatasetSpec, from: string, got: Digest, what: string, origin: Origin): string {
  return (
    `Checksum mismatch for dataset ${spec.name} from ${from}: expected ${spec.bytes} bytes with sha256 ` +
    `${spec.sha256}, got ${got.bytes} bytes with sha256 ${got.sha256}. ${what} ${fixHint(spec, origin)}`
  );
}

/** Seconds for messages: seconds(400) → '0.4 s', seconds(600000) → '600 s'. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toPrecision(3))} s`;
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
// Temp (.part) files: removed when the process stops, and by the next download when it could not be

/** A temp file's name: `.${fileName}.${pid}.${8 hex digits}.part`, so its owner can be told. */
function partName(fileName: string): string {
  return `.${fileName}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.part`;
}

/**
 * The id of the process that wrote a temp file, or undefined for any other name.
 *
 *   partOwner('.tinyshakespeare.txt.4242.0a1b2c3d.part') → 4242,  partOwner('notes.part') → undefined
 */
export function partOwner(name: string): number | undefined {
  const m = /^\..+\.(\d+)\.[0-9a-f]{8}\.part$/.exec(name);
  return m === null ? undefined : Number(m[1]);
}

/** True when a process with this id is running (EPERM: it runs, as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This process's downloads in progress: their temp files go if it is interrupted or crashes. */
const activeParts = new Set<string>();
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Removes temp files left by downloads that cannot finish: those of processes no longer running, and
 * this process's own that no download here is writing. Another running process's are kept (it may be
 * downloading into the same cache right now). Returns the names removed.
 */
export async function removeStaleParts(cacheDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.promises.readdir(cacheDir);
  } catch {
    return []; // no cache yet
  }
  const stale = names.filter((name) => {
    const pid = partOwner(name);
    if (pid === undefined) return false;
    return pid === process.pid ? !activeParts.has(path.join(cacheDir, name)) : !isRunning(pid);
  });
  await Promise.all(stale.map((name) => removeQuietly(path.join(cacheDir, name))));
  return stale;
}

function removeActivePartsSync(): void {
  for (const file of activeParts) {
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // exiting anyway: the next download's removeStaleParts takes it
    }
  }
}

function onStopSignal(signal: NodeJS.Signals): void {
  // subtle: a listener replaces Node's default for the signal (exit). When ours is the only one, remove
  // the temp files, restore the default and raise the signal again, so the process still dies of it
  // (exit status and all). When the program has its own handler, that handler decides; if it exits,
  // the 'exit' listener removes the files, and if it carries on, the downloads still need them.
  if (process.listenerCount(signal) > 1) return;
  removeActivePartsSync();
  unwatch();
  process.kill(process.pid, signal);
}

function watch(): void {
  process.on('exit', removeActivePartsSync); // process.exit() and uncaught exceptions
  for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
}

function unwatch(): void {
  process.removeListener('exit', removeActivePartsSync);
  for (const signal of STOP_SIGNALS) process.removeListener(signal, onStopSignal);
}

/** Registers a temp file being written; the listeners are installed only while one is. */
function trackPart(file: string): void {
  if (activeParts.size === 0) watch();
  activeParts.add(file);
}

function untrackPart(file: string): void {
  if (activeParts.delete(file) && activeParts.size === 0) unwatch();
}

// ---------------------------------------------------------------------------------------------------
// HTTP

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Progress that counts as "not stalled": 16 KiB, or the rest of the file when less remains. */
const STALL_BYTES = 16 * 1024;

/** A limit of the download was hit: the message says which, and the transfer was stopped. */
class LimitError extends Error {}

/**
 * The stall timer and the deadline of one download. `progress(bytes)` re-arms the stall timer each
 * time another STALL_BYTES have arrived (any response headers count too); when either timer fires,
 * `signal` aborts with a LimitError that names the limit.
 */
class Watchdog {
  readonly controller = new AbortController();
  private stallTimer: NodeJS.Timeout | undefined;
  private readonly deadlineTimer: NodeJS.Timeout;
  private mark = 0;
  private bytes = 0;

  constructor(private readonly spec: DatasetSpec, private readonly stallMs: number, deadlineMs: number) {
    this.deadlineTimer = setTimeout(
      () => this.stop(`it hit the total deadline of ${seconds(deadlineMs)} (deadlineMs)`),
      deadlineMs,
    );
    this.rearm();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The response headers arrived: a sign of life. */
  heard(): void {
    this.rearm();
  }

  progress(bytes: number): void {
    this.bytes = bytes;
    if (bytes - this.mark >= Math.min(STALL_BYTES, this.spec.bytes - this.mark)) {
      this.mark = bytes;
      this.rearm();
    }
  }

  dispose(): void {
    clearTimeout(this.stallTimer);
    clearTimeout(this.deadlineTimer);
  }

  private rearm(): void {
    clearTimeout(this.stallTimer);
    const need = Math.min(STALL_BYTES, this.spec.bytes - this.mark);
    this.stallTimer = setTimeout(
      () => this.stop(
        `it hit the stall timeout: fewer than ${need} more bytes in ${seconds(this.stallMs)} (timeoutMs)`,
      ),
      this.stallMs,
    );
  }

  private stop(what: string): void {
    this.dispose();
    this.controller.abort(new LimitError(`${what}, after ${this.bytes} of ${this.spec.bytes} bytes`));
  }
}

/** One GET; resolves with the response headers, rejects on connection errors and on abort. */
function get(url: URL, signal: AbortSignal): Promise<http.IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const headers = { 'user-agent': 'gpt-lab', 'accept-encoding': 'identity' };
    const req = client.get(url, { headers, signal }, resolve);
    req.on('error', reject);
  });
}

/** GET with redirects followed; resolves with the 200 response, whose body is still unread. */
async function getFollowingRedirects(url: string, dog: Watchdog, maxRedirects: number): Promise<http.IncomingMessage> {
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    const res = await get(current, dog.signal);
    dog.heard();
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

/**
 * Downloads `url` into `file`, hashing on the way, within the limits: never more than spec.bytes
 * (checked against the announced length before the body, then byte by byte), the stall timeout and
 * the deadline. Checks the body is as long as announced.
 */
async function downloadTo(url: string, file: string, spec: DatasetSpec, options: FetchOptions): Promise<Digest> {
  const dog = new Watchdog(spec, options.timeoutMs ?? 30_000, options.deadlineMs ?? 600_000);
  let bytes = 0;
  let announced: number | undefined;
  try {
    const res = await getFollowingRedirects(url, dog, options.maxRedirects ?? 5);
    announced = res.headers['content-length'] === undefined ? undefined : Number(res.headers['content-length']);
    if (announced !== undefined && announced > spec.bytes) {
      res.destroy();
      throw new LimitError(
        `the server announces ${announced} bytes, more than the expected ${spec.bytes} (size cap), so nothing was read`,
      );
    }
    const total = announced ?? spec.bytes;
    const hash = crypto.createHash('sha256');
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > spec.bytes) {
          return done(new LimitError(
            `the server sent more than the expected ${spec.bytes} bytes (size cap), so the transfer was stopped`,
          ));
        }
        hash.update(chunk);
        dog.progress(bytes);
        options.onProgress?.(bytes, total);
        done(null, chunk);
      },
    });
    try {
      await pipeline(res, counter, fs.createWriteStream(file), { signal: dog.signal });
    } catch (e) {
      if (e instanceof LimitError || dog.signal.aborted) throw e;
      // subtle: a server that closes early surfaces as 'aborted' or a premature close; name the count.
      const cut = announced !== undefined && bytes < announced ? ` after ${bytes} of ${announced} bytes` : '';
      throw new Error(`the transfer was interrupted${cut} (${(e as Error).message})`);
    }
    if (!res.complete || (announced !== undefined && bytes !== announced)) {
      throw new Error(`the transfer was interrupted after ${bytes} of ${announced ?? '?'} bytes`);
    }
    return { bytes, sha256: hash.digest('hex') };
  } catch (e) {
    // subtle: an abort surfaces as an AbortError from whichever stream noticed it; the reason is ours.
    throw dog.signal.aborted ? (dog.signal.reason as Error) : e;
  } finally {
    dog.dispose();
  }
}

/** Downloads into the cache atomically: temp file, verify, rename; the temp file never survives. */
async function downloadVerified(
  url: string, spec: DatasetSpec, cacheDir: string, options: FetchOptions, origin: Origin,
): Promise<string> {
  await fs.promises.mkdir(cacheDir, { recursive: true });
  const final = path.join(cacheDir, spec.fileName);
  // The temp file is in the same directory as the final file, so the rename is atomic.
  const tmp = path.join(cacheDir, partName(spec.fileName));
  trackPart(tmp);
  try {
    let got: Digest;
    try {
      got = await downloadTo(url, tmp, spec, options);
    } catch (e) {
      throw new GptLabError(
        `Could not download dataset ${spec.name} from ${url}: ${(e as Error).message}. ${fixHint(spec, origin)}`,
      );
    }
    if (!matches(got, spec)) throw new GptLabError(mismatchMessage(spec, url, got, 'Nothing was cached.', origin));
    await fs.promises.rename(tmp, final);
    return final;
  } finally {
    await removeQuietly(tmp); // after a successful rename there is nothing left to remove
    untrackPart(tmp);
  }
}

// ---------------------------------------------------------------------------------------------------
// The entry points

/**
 * A verified local copy of a dataset: from the cache, a mirror, or its URL (in that order).
 *
 *   await fetchDataset('tinyshakespeare') → { path: '/…/datasets/.cache/tinyshakespeare.txt', source: 'download' }
 *   await fetchDataset('tinyshakespeare') → { path: '/…/datasets/.cache/tinyshakespeare.txt', source: 'cache' }
 */
export async function fetchDataset(
  dataset: DatasetName | DatasetSpec, options: FetchOptions = {},
): Promise<DatasetFile> {
  const spec = resolveSpec(dataset);
  const cacheDir = resolveCacheDir(options);
  const cached = path.join(cacheDir, spec.fileName);
  await removeStaleParts(cacheDir);
  if (fs.existsSync(cached)) {
    if (matches(await digestFile(cached), spec)) return { path: cached, source: 'cache' };
    await removeQuietly(cached); // a stale or damaged copy: fetch it again
  }

  const mirror = resolveMirror(options);
  if (mirror !== undefined && !isUrl(mirror)) {
    const local = path.resolve(mirror, spec.fileName);
    assert(
      fs.existsSync(local),
      () => `Mirror directory ${path.resolve(mirror)} (GPTLAB_MIRROR) has no ${spec.fileName} ` +
        `for dataset ${spec.name}. Fix: put the file there (from ${spec.url}), or unset GPTLAB_MIRROR to download it.`,
    );
    const got = await digestFile(local);
    const origin: Origin = { kind: 'mirrorDir', file: local };
    assert(matches(got, spec),
      () => mismatchMessage(spec, local, got, 'The mirror copy is damaged or a different file.', origin));
    options.onProgress?.(got.bytes, got.bytes);
    return { path: local, source: 'mirror' };
  }

  const url = mirror !== undefined ? mirrorUrl(mirror, spec.fileName) : spec.url;
  const origin: Origin = mirror !== undefined ? { kind: 'mirrorUrl', mirror } : { kind: 'url' };
  return { path: await downloadVerified(url, spec, cacheDir, options, origin), source: 'download' };
}

/** The verified dataset as UTF-8 text (see `fetchDataset` for where it comes from). */
export async function readDatasetText(dataset: DatasetName | DatasetSpec, options: FetchOptions = {}): Promise<string> {
  const file = await fetchDataset(dataset, options);
  return fs.promises.readFile(file.path, 'utf8');
}
