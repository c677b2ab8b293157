// Downloads against a real HTTP server on 127.0.0.1 (an ephemeral port, opened and closed by each
// test), serving a small file the test makes. Every call passes env: {} so the developer's own
// GPTLAB_DATA_DIR / GPTLAB_MIRROR never leak in.

import { expect } from 'chai';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { AddressInfo } from 'net';
import { spawn } from 'child_process';
import { DatasetSpec, fetchDataset, mirrorUrl, readDatasetText, resolveCacheDir, resolveSpec } from '../../src/data';
import { GptLabError } from '../../src/util/assert';

const BODY = Buffer.from('To be, or not to be, that is the question.\n'.repeat(50)); // 2150 bytes
const SHA = crypto.createHash('sha256').update(BODY).digest('hex');

interface Server {
  base: string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

function serve(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<Server> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    handler(req, res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        base: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** Serves BODY at /file.txt, a redirect at /old, a mirror copy at /mirror/test.txt, 404 elsewhere. */
function standard(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/file.txt' || req.url === '/mirror/test.txt') {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  } else if (req.url === '/old') {
    res.writeHead(302, { location: '/file.txt' });
    res.end();
  } else {
    res.writeHead(404);
    res.end('not here');
  }
}

function spec(url: string, overrides: Partial<DatasetSpec> = {}): DatasetSpec {
  return { name: 'test', fileName: 'test.txt', url, bytes: BODY.length, sha256: SHA, description: 'a test file', ...overrides };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the promise to reject');
}

describe('data/download', () => {
  let cacheDir: string;
  let server: Server | undefined;

  beforeEach(() => {
    cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-cache-'));
  });

  afterEach(async () => {
    await server?.close();
    server = undefined;
    fs.rmSync(cacheDir, { recursive: true, force: true });
  });

  it('downloads, verifies and caches a file; the second call makes no request', async () => {
    server = await serve(standard);
    const listeners = () => ['SIGINT', 'SIGTERM', 'SIGHUP', 'exit'].map((e) => process.listenerCount(e));
    const before = listeners();
    const progress: [number, number][] = [];
    const first = await fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {}, onProgress: (b, t) => progress.push([b, t]) });
    expect(first.source).to.equal('download');
    expect(first.path).to.equal(path.join(cacheDir, 'test.txt'));
    expect(fs.readFileSync(first.path).equals(BODY)).to.equal(true);
    expect(progress[progress.length - 1]).to.deep.equal([BODY.length, BODY.length]);
    expect(fs.readdirSync(cacheDir)).to.deep.equal(['test.txt']); // no temp file left
    expect(listeners()).to.deep.equal(before); // the cleanup listeners live only while a download runs

    const second = await fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {} });
    expect(second).to.deep.equal({ path: first.path, source: 'cache' });
    expect(server.requests).to.deep.equal(['/file.txt']);
  });

  it('rejects a bad checksum, naming the URL and both checksums, and caches nothing', async () => {
    server = await serve(standard);
    const wrong = 'f'.repeat(64);
    const url = `${server.base}/file.txt`;
    const err = await rejection(fetchDataset(spec(url, { sha256: wrong }), { cacheDir, env: {} }));
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include(url).and.include(wrong).and.include(SHA).and.include('GPTLAB_MIRROR');
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('rejects a wrong size with the same message shape', async () => {
    server = await serve(standard);
    // A file shorter than expected (one longer is stopped by the size cap, tested below).
    const err = await rejection(fetchDataset(spec(`${server.base}/file.txt`, { bytes: 5000 }), { cacheDir, env: {} }));
    expect(err.message).to.include('expected 5000 bytes').and.include(`got ${BODY.length} bytes`);
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('reports a server that is gone (connection refused)', async () => {
    const gone = await serve(standard);
    await gone.close();
    const url = `${gone.base}/file.txt`;
    const err = await rejection(fetchDataset(spec(url), { cacheDir, env: {} }));
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include(url).and.include('ECONNREFUSED').and.include('GPTLAB_MIRROR');
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('reports a transfer cut after half of its Content-Length and leaves nothing behind', async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': BODY.length });
      res.write(BODY.subarray(0, BODY.length / 2), () => res.socket?.destroy());
    });
    const err = await rejection(fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {} }));
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include('interrupted').and.include(`${server.base}/file.txt`);
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('reports HTTP 404 with the URL', async () => {
    server = await serve(standard);
    const url = `${server.base}/missing.txt`;
    const err = await rejection(fetchDataset(spec(url), { cacheDir, env: {} }));
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include('HTTP 404').and.include(url);
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('follows a redirect', async () => {
    server = await serve(standard);
    const got = await fetchDataset(spec(`${server.base}/old`), { cacheDir, env: {} });
    expect(got.source).to.equal('download');
    expect(fs.readFileSync(got.path).equals(BODY)).to.equal(true);
    expect(server.requests).to.deep.equal(['/old', '/file.txt']);
  });

  it('gives up on a redirect loop', async () => {
    server = await serve((_req, res) => {
      res.writeHead(301, { location: '/loop' });
      res.end();
    });
    const err = await rejection(fetchDataset(spec(`${server.base}/loop`), { cacheDir, env: {}, maxRedirects: 3 }));
    expect(err.message).to.include('more than 3 redirects');
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('serves from a local mirror directory in place, without any request', async () => {
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-mirror-'));
    try {
      fs.writeFileSync(path.join(mirror, 'test.txt'), BODY);
      const got = await fetchDataset(spec('http://127.0.0.1:9/unreachable.txt'), { cacheDir, env: { GPTLAB_MIRROR: mirror } });
      expect(got).to.deep.equal({ path: path.join(mirror, 'test.txt'), source: 'mirror' });
      expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
    } finally {
      fs.rmSync(mirror, { recursive: true, force: true });
    }
  });

  it('says what is missing when the mirror directory lacks the file', async () => {
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-mirror-'));
    try {
      const err = await rejection(fetchDataset(spec('http://127.0.0.1:9/x.txt'), { cacheDir, mirror, env: {} }));
      expect(err).to.be.instanceOf(GptLabError);
      expect(err.message).to.include(mirror).and.include('test.txt');
    } finally {
      fs.rmSync(mirror, { recursive: true, force: true });
    }
  });

  it('rejects a damaged copy in the mirror directory', async () => {
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-mirror-'));
    try {
      fs.writeFileSync(path.join(mirror, 'test.txt'), 'something else');
      const err = await rejection(fetchDataset(spec('http://127.0.0.1:9/x.txt'), { cacheDir, mirror, env: {} }));
      expect(err.message).to.include('Checksum mismatch').and.include(SHA);
    } finally {
      fs.rmSync(mirror, { recursive: true, force: true });
    }
  });

  it('downloads from a mirror base URL under the registry file name', async () => {
    server = await serve(standard);
    const got = await fetchDataset(spec('http://127.0.0.1:9/unreachable.txt'), { cacheDir, env: { GPTLAB_MIRROR: `${server.base}/mirror/` } });
    expect(got.source).to.equal('download');
    expect(server.requests).to.deep.equal(['/mirror/test.txt']);
  });

  it('replaces a damaged cached copy', async () => {
    server = await serve(standard);
    fs.writeFileSync(path.join(cacheDir, 'test.txt'), 'truncated');
    const got = await fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {} });
    expect(got.source).to.equal('download');
    expect(await readDatasetText(spec(`${server.base}/file.txt`), { cacheDir, env: {} })).to.equal(BODY.toString());
  });

  it('stops a server that sends more than the expected size (no Content-Length), keeping nothing', async function () {
    this.timeout(10_000);
    let sent = 0;
    server = await serve((_req, res) => {
      res.writeHead(200); // chunked: no announced length, so only the expected size can stop it
      const pump = (): void => {
        // An endless body, bounded here at 20 MB so a client that never stops still ends the test.
        while (sent < 20_000_000 && !res.destroyed) {
          sent += BODY.length;
          if (!res.write(BODY)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const url = `${server.base}/file.txt`;
    const err = await rejection(fetchDataset(spec(url), { cacheDir, env: {} }));
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include(url).and.include(`more than the expected ${BODY.length} bytes`).and.include('GPTLAB_MIRROR');
    expect(sent).to.be.below(5_000_000); // the client hung up long before the 20 MB
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('refuses a Content-Length larger than the expected size before reading the body', async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': 10 * BODY.length });
      res.end(Buffer.concat(Array.from({ length: 10 }, () => BODY)));
    });
    const err = await rejection(fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {} }));
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include(`announces ${10 * BODY.length} bytes`).and.include(`expected ${BODY.length}`);
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  /** A server that sends the headers, then one byte of BODY every `everyMs`. */
  function trickle(everyMs: number) {
    return (_req: http.IncomingMessage, res: http.ServerResponse): void => {
      res.writeHead(200, { 'content-length': BODY.length });
      let i = 0;
      const timer: NodeJS.Timeout = setInterval(() => {
        if (res.destroyed || i >= BODY.length) return void clearInterval(timer);
        res.write(BODY.subarray(i, ++i));
      }, everyMs);
      res.on('close', () => clearInterval(timer));
    };
  }

  it('gives up on a trickling server at the stall timeout, and says so', async function () {
    this.timeout(10_000); // without a stall check the 2150 bytes would take 2150 x 20 ms = 43 s
    server = await serve(trickle(20));
    const started = Date.now();
    const err = await rejection(fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {}, timeoutMs: 400 }));
    expect(Date.now() - started).to.be.below(5000);
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include('stall timeout').and.include('0.4 s').and.include('retry').and.include('GPTLAB_MIRROR');
    expect(err.message).to.match(/after \d+ of 2150 bytes/);
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('gives up on a silent server at the stall timeout', async function () {
    this.timeout(10_000);
    server = await serve(() => undefined); // accepts the request, never answers
    const err = await rejection(fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {}, timeoutMs: 300 }));
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include('stall timeout').and.include('0.3 s');
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('stops at the total deadline even while bytes keep coming, and says so', async function () {
    this.timeout(10_000);
    server = await serve(trickle(5)); // 2150 bytes at one per 5 ms: ~11 s, always some progress
    const started = Date.now();
    const err = await rejection(fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {}, timeoutMs: 5000, deadlineMs: 500 }));
    expect(Date.now() - started).to.be.below(4000);
    expect(err).to.be.instanceOf(GptLabError);
    expect(err.message).to.include('deadline').and.include('0.5 s').and.include('retry').and.include('GPTLAB_MIRROR');
    expect(err.message).to.not.include('stall');
    expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
  });

  it('does not tell a user of a local mirror directory to check the network', async () => {
    const mirror = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-mirror-'));
    try {
      fs.writeFileSync(path.join(mirror, 'test.txt'), 'something else');
      const err = await rejection(fetchDataset(spec('http://127.0.0.1:9/x.txt'), { cacheDir, env: { GPTLAB_MIRROR: mirror } }));
      expect(err.message).to.include(path.join(mirror, 'test.txt')).and.include('GPTLAB_MIRROR');
      expect(err.message).to.not.match(/network/i);
    } finally {
      fs.rmSync(mirror, { recursive: true, force: true });
    }
  });

  it("removes the .part files of processes that died mid-download, and keeps a live process's", async () => {
    const dead = await deadPid();
    const stale = `.test.txt.${dead}.0123abcd.part`;
    const live = `.test.txt.${process.ppid}.89abcdef.part`; // our parent is alive: maybe downloading now
    const other = 'notes.part'; // not a name our downloads use
    for (const f of [stale, live, other]) fs.writeFileSync(path.join(cacheDir, f), 'partial');
    server = await serve(standard);
    await fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {} });
    expect(fs.readdirSync(cacheDir).sort()).to.deep.equal([live, other, 'test.txt'].sort());
  });

  for (const how of ['SIGTERM', 'SIGINT', 'crash'] as const) {
    it(`removes its .part file when the process is stopped mid-download (${how})`, async function () {
      this.timeout(20_000);
      server = await serve((_req, res) => {
        res.writeHead(200, { 'content-length': BODY.length });
        res.write(BODY.subarray(0, 100)); // then nothing: the child waits at the stall timeout
      });
      const child = downloadInChild(spec(`${server.base}/file.txt`), cacheDir, how === 'crash');
      const part = await waitFor(() => fs.readdirSync(cacheDir).find((f) => f.endsWith('.part')), 10_000);
      expect(part).to.match(/^\.test\.txt\.\d+\.[0-9a-f]{8}\.part$/);
      if (how !== 'crash') child.process.kill(how);
      const exit = await child.exit;
      if (how === 'crash') expect(exit.code).to.equal(1, child.stderr());
      else expect(exit.signal).to.equal(how); // the default for the signal still happens: the process dies of it
      expect(fs.readdirSync(cacheDir)).to.deep.equal([]);
    });
  }

  it('takes the cache directory from GPTLAB_DATA_DIR, else <project root>/datasets/.cache', () => {
    expect(resolveCacheDir({ env: { GPTLAB_DATA_DIR: cacheDir } })).to.equal(cacheDir);
    const root = path.resolve(__dirname, '..', '..', '..'); // dist/test/data → project root
    expect(resolveCacheDir({ env: {} })).to.equal(path.join(root, 'datasets', '.cache'));
  });

  it('knows Tiny Shakespeare and checks specs', () => {
    const s = resolveSpec('tinyshakespeare');
    expect(s.bytes).to.equal(1115394);
    expect(s.sha256).to.equal('86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed');
    expect(() => resolveSpec(spec('http://x/y', { sha256: 'abc' }))).to.throw(GptLabError, "sha256 'abc'");
    expect(() => resolveSpec('nope' as 'tinyshakespeare')).to.throw(GptLabError, 'tinyshakespeare');
    expect(mirrorUrl('http://host/data/', 'a.txt')).to.equal('http://host/data/a.txt');
  });
});

/** The id of a process that has exited (a child run to completion), for a stale .part file's name. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

/** Polls until `get` returns a value, or fails after `ms`. */
async function waitFor<T>(get: () => T | undefined, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`nothing after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs fetchDataset in a child node process (so it can be killed); with `crash`, the child throws an
 * uncaught exception a second after its download has started (time for the test to see the .part file).
 */
function downloadInChild(s: DatasetSpec, cacheDir: string, crash: boolean) {
  const module = path.resolve(__dirname, '..', '..', 'src', 'data', 'download.js');
  const script = [
    `const { fetchDataset } = require(${JSON.stringify(module)});`,
    `fetchDataset(${JSON.stringify(s)}, { cacheDir: ${JSON.stringify(cacheDir)}, env: {}, timeoutMs: 60000 });`,
    crash ? `const t = setInterval(() => { if (require('fs').readdirSync(${JSON.stringify(cacheDir)}).length > 0) { clearInterval(t); setTimeout(() => { throw new Error('boom'); }, 1000); } }, 10);` : '',
  ].join('\n');
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  return { process: child, exit, stderr: () => err };
}
