// Vector-index query latency against index size: src/retrieval's exact cosine search (one matMul and
// a topk on the active backend) on 1,000, 10,000 and 100,000 random unit vectors, against a plain
// JavaScript scan of the same Float32Array (a dot product per row, keeping the k best) in the same
// run, so the ratio holds on a busy machine. Top-k ids of both are compared on every query.
//
//   npm run bench -- retrieval                             # sizes 1000,10000,100000, 64 dims
//   npm run bench -- retrieval --sizes 1000,10000 --dim 128 --rounds 10 --backends cpu
//
// Per size: build time (normalizing the rows on the backend), median ms for one query and per query
// in a batch of 32, the same for the JavaScript scan, and the speed ratio (scan ms / index ms).
// Left out: approximate indexes (none is in the lab yet) and the encoder's own time.

import * as tf from '@tensorflow/tfjs';
import { BackendName, initBackend } from '../src/backend';
import { Rng } from '../src/data/rng';
import { VectorIndex } from '../src/retrieval';
import { assert } from '../src/util/assert';

export interface RetrievalBenchOptions {
  /** Index sizes, in chunks (default 1000, 10000, 100000). */
  sizes?: number[];
  /** Vector width (default 64, the lab's small GPTs' nEmbd range). */
  dim?: number;
  /** Timed queries per measurement, after two warm-up ones; the median is kept (default 20). */
  rounds?: number;
  /** Hits per query (default 5). */
  k?: number;
  /** Backend (default: the fastest available). */
  backend?: BackendName;
}

/** n random unit vectors of width d, row-major, from a seed (a sum of uniforms is near enough Gaussian). */
function unitRows(n: number, d: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = rng.next() + rng.next() + rng.next() - 1.5;
      x[i * d + j] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < d; j++) x[i * d + j] *= inv;
  }
  return x;
}

/** The k best rows by dot product, by a scan that keeps a small sorted list. */
function scan(rows: Float32Array, n: number, d: number, q: Float32Array, k: number): number[] {
  const best: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += rows[o + j] * q[j];
    if (best.length < k || s > best[best.length - 1].s) {
      let at = best.length;
      while (at > 0 && best[at - 1].s < s) at--;
      best.splice(at, 0, { i, s });
      if (best.length > k) best.pop();
    }
  }
  return best.map((b) => b.i);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const round = (x: number, digits = 3) => Number(x.toFixed(digits));

/** Runs the benchmark and returns its results (see the file header). */
export async function runRetrievalBench(opts: RetrievalBenchOptions = {}): Promise<Record<string, unknown>> {
  const sizes = opts.sizes ?? [1000, 10_000, 100_000];
  const d = opts.dim ?? 64, rounds = opts.rounds ?? 20, k = opts.k ?? 5, batch = 32;
  for (const n of sizes) assert(Number.isInteger(n) && n >= k, () => `retrieval bench: size ${n} must be an integer of at least k (${k})`);
  assert(Number.isInteger(rounds) && rounds >= 1, () => `retrieval bench: rounds ${rounds} must be a positive integer`);
  const choice = await initBackend({ backend: opts.backend, source: 'bench retrieval --backends' });
  const queries = unitRows(2 + rounds + batch, d, 2);
  const results: Record<string, unknown>[] = [];
  for (const n of sizes) {
    console.error(`bench retrieval: ${n} chunks x ${d} dims…`);
    const rows = unitRows(n, d, 1);
    const chunks = Array.from({ length: n }, (_, i) => ({ id: String(i), text: '' }));
    let t0 = performance.now();
    const x = tf.tensor2d(rows, [n, d]);
    const index = VectorIndex.build(chunks, x, { name: 'random unit vectors', fingerprint: 'none' });
    x.dispose();
    index.vectors.dataSync(); // wait for the backend
    const buildMs = performance.now() - t0;
    const oneMs: number[] = [], scanMs: number[] = [];
    let agree = 0;
    for (let r = 0; r < 2 + rounds; r++) {
      const q = queries.subarray(r * d, (r + 1) * d);
      const qt = tf.tensor2d(q, [1, d]);
      t0 = performance.now();
      const hits = index.search(qt, k)[0].map((h) => Number(h.id));
      const ms = performance.now() - t0;
      qt.dispose();
      t0 = performance.now();
      const ref = scan(rows, n, d, q, k);
      const refMs = performance.now() - t0;
      if (r < 2) continue;
      oneMs.push(ms);
      scanMs.push(refMs);
      if (hits.join() === ref.join()) agree++;
    }
    const qb = tf.tensor2d(queries.subarray((2 + rounds) * d, (2 + rounds + batch) * d), [batch, d]);
    index.search(qb, k); // warm-up at this shape
    const batchMs: number[] = [];
    for (let r = 0; r < Math.max(3, Math.ceil(rounds / 4)); r++) {
      t0 = performance.now();
      index.search(qb, k);
      batchMs.push(performance.now() - t0);
    }
    qb.dispose();
    index.dispose();
    const one = median(oneMs), ref = median(scanMs);
    results.push({
      chunks: n, dim: d, k, buildMs: round(buildMs, 1),
      indexMsPerQuery: round(one), indexMsPerQueryBatch32: round(median(batchMs) / batch), scanMsPerQuery: round(ref),
      speedupOverScan: round(ref / one, 2), sameTopK: `${agree}/${rounds}`,
    });
  }
  return { backend: choice.name, device: choice.device, rounds, sizes: results };
}

if (require.main === module) {
  runRetrievalBench().then((r) => console.log(JSON.stringify(r, null, 2)), (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
