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
    const progress: [number, number][] = [];
    const first = await fetchDataset(spec(`${server.base}/file.txt`), { cacheDir, env: {}, onProgress: (b, t) => progress.push([b, t]) });
    expect(first.source).to.equal('download');
    expect(first.path).to.equal(path.join(cacheDir, 'test.txt'));
    expect(fs.readFileSync(first.path).equals(BODY)).to.equal(true);
    expect(progress[progress.length - 1]).to.deep.equal([BODY.length, BODY.length]);
    expect(fs.readdirSync(cacheDir)).to.deep.equal(['test.txt']); // no temp file left

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
    const err = await rejection(fetchDataset(spec(`${server.base}/file.txt`, { bytes: 10 }), { cacheDir, env: {} }));
    expect(err.message).to.include('expected 10 bytes').and.include(`got ${BODY.length} bytes`);
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

  it('takes the cache directory from GPTLAB_DATA_DIR, else <project root>/.cache/datasets', () => {
    expect(resolveCacheDir({ env: { GPTLAB_DATA_DIR: cacheDir } })).to.equal(cacheDir);
    const root = path.resolve(__dirname, '..', '..', '..'); // dist/test/data → project root
    expect(resolveCacheDir({ env: {} })).to.equal(path.join(root, '.cache', 'datasets'));
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
