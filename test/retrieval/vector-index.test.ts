// The exact cosine index against brute force, its round trip through disk, and the errors for an
// index from another encoder, of other chunks, or damaged; no leaks.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { Rng } from '../../src/data/rng';
import { VectorIndex, chunksFingerprint, weightsFingerprint } from '../../src/retrieval';
import { GptLabError } from '../../src/util/assert';

/** n rows of d Gaussian-ish numbers (sums of uniforms), from a seed. */
function rows(n: number, d: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next() + rng.next() + rng.next() - 1.5));
}

/** Top-k by cosine, computed row by row in plain JavaScript. */
function bruteForce(store: number[][], query: number[], k: number): { index: number; score: number }[] {
  const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  const scores = store.map((v, index) => ({ index, score: v.reduce((s, x, j) => s + x * query[j], 0) / (norm(v) * norm(query)) }));
  return scores.sort((a, b) => b.score - a.score).slice(0, k);
}

const encoder = { name: 'test encoder', fingerprint: 'aaaa' };

describe('VectorIndex', () => {
  before(async () => { await initBackend({ backend: 'cpu' }); });
  const store = rows(300, 16, 1);
  const queries = rows(6, 16, 2);
  const chunks = store.map((_, i) => ({ id: `c${i}`, text: `chunk ${i}` }));
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-index-')); });
  afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

  function build(): VectorIndex {
    const x = tf.tensor2d(store);
    const index = VectorIndex.build(chunks, x, encoder);
    x.dispose();
    return index;
  }

  it('finds the same top 7 as brute force, with the same cosines', () => {
    const index = build();
    const q = tf.tensor2d(queries);
    const hits = index.search(q, 7);
    queries.forEach((query, i) => {
      const want = bruteForce(store, query, 7);
      expect(hits[i].map((h) => h.id)).to.deep.equal(want.map((w) => `c${w.index}`));
      hits[i].forEach((h, j) => expect(h.score).to.be.closeTo(want[j].score, 1e-5));
    });
    tf.dispose(q);
    index.dispose();
  });

  it("scores a stored vector's own direction 1, at any length", () => {
    const index = build();
    const q = tf.tensor2d([store[42].map((x) => 5 * x)]);
    const [top] = index.search(q, 1);
    expect(top[0].id).to.equal('c42');
    expect(top[0].score).to.be.closeTo(1, 1e-5);
    tf.dispose(q);
    index.dispose();
  });

  it('returns every chunk when k exceeds the index', () => {
    const x = tf.tensor2d(store.slice(0, 3));
    const index = VectorIndex.build(chunks.slice(0, 3), x, encoder);
    x.dispose();
    const q = tf.tensor2d([queries[0]]);
    expect(index.search(q, 10)[0].length).to.equal(3);
    tf.dispose(q);
    index.dispose();
  });

  it('leaks no tensors in build, search and dispose', () => {
    const x = tf.tensor2d(store), q = tf.tensor2d(queries);
    const before = tf.memory().numTensors;
    const index = VectorIndex.build(chunks, x, encoder);
    index.search(q, 5);
    index.dispose();
    expect(tf.memory().numTensors).to.equal(before);
    tf.dispose([x, q]);
  });

  it('saves and loads: same manifest, same answers', () => {
    const index = build();
    index.save(dir);
    const loaded = VectorIndex.load(dir, { encoder, chunks });
    expect(loaded.ids).to.deep.equal(index.ids);
    expect(loaded.encoder).to.deep.equal(encoder);
    const q = tf.tensor2d(queries);
    expect(loaded.search(q, 5)).to.deep.equal(index.search(q, 5));
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'))).to.include({ format: 'gpt-lab-vector-index', version: 1, count: 300, dim: 16 });
    tf.dispose(q);
    index.dispose();
    loaded.dispose();
  });

  it('refuses an index built by another encoder, naming both', () => {
    const index = build();
    index.save(dir);
    index.dispose();
    expect(() => VectorIndex.load(dir, { encoder: { name: 'test encoder', fingerprint: 'bbbb' }, chunks }))
      .to.throw(GptLabError, /built by encoder 'test encoder' \(aaaa\), not by 'test encoder' \(bbbb\)/);
  });

  it('refuses a stale index: the chunks changed since it was built', () => {
    const index = build();
    index.save(dir);
    index.dispose();
    const edited = chunks.map((c, i) => (i === 7 ? { ...c, text: 'changed' } : c));
    expect(() => VectorIndex.load(dir, { encoder, chunks: edited })).to.throw(GptLabError, /is stale.*300 chunks.*rebuild/);
    expect(() => VectorIndex.load(dir, { encoder, chunks: chunks.slice(1) })).to.throw(GptLabError, /is stale/);
  });

  it('refuses a damaged or missing index', () => {
    expect(() => VectorIndex.load(dir, { encoder, chunks })).to.throw(GptLabError, /no vector index in/);
    const index = build();
    index.save(dir);
    index.dispose();
    fs.truncateSync(path.join(dir, 'vectors.f32'), 100);
    expect(() => VectorIndex.load(dir, { encoder, chunks })).to.throw(GptLabError, /100 bytes.*300 x 16/);
    const m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, version: 99 }));
    expect(() => VectorIndex.load(dir, { encoder, chunks })).to.throw(GptLabError, /version 99/);
  });

  it('rejects queries of another width and embeddings that do not match the chunks', () => {
    const index = build();
    const q = tf.zeros([1, 8]) as tf.Tensor2D;
    expect(() => index.search(q, 1)).to.throw(GptLabError, /8 dims, the index 16/);
    const x = tf.tensor2d(store);
    expect(() => VectorIndex.build(chunks.slice(1), x, encoder)).to.throw(GptLabError, /300 embeddings for 299 chunks/);
    tf.dispose([q, x]);
    index.dispose();
  });

  it('fingerprints change with any weight or chunk text', () => {
    const a = tf.tensor1d([1, 2, 3]), b = tf.tensor1d([1, 2, 3.0001]);
    expect(weightsFingerprint([a])).to.equal(weightsFingerprint([tf.keep(tf.tensor1d([1, 2, 3]))]));
    expect(weightsFingerprint([a])).to.not.equal(weightsFingerprint([b]));
    expect(chunksFingerprint([{ id: 'a', text: 'x' }])).to.not.equal(chunksFingerprint([{ id: 'a', text: 'y' }]));
    tf.dispose([a, b]);
  });
});
