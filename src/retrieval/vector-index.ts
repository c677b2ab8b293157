// Lesson 4 of retrieval: the vector store, exact cosine search as one matrix product.
//
// Chunks are embedded once and stored as unit vectors, one row each: V [N, D]. A batch of questions,
// embedded and normalized too, Q [B, D], scores every chunk at once: S = Q Vᵀ [B, N], the cosines,
// and tf.topk picks the k best per row. On a GPU backend this is one matmul over the whole store;
// at 100,000 chunks of 64 dims that is 6.4M multiply-adds per question (bench/retrieval.ts times it).
//
// On disk an index is a directory, like a checkpoint:
//   manifest.json   format, version, the encoder that built it (name + a fingerprint of its weights),
//                   the fingerprint of the chunks it embeds, dims, and the chunk ids in row order
//   vectors.f32     the rows, little-endian float32
// Loading checks the encoder and the chunks against what the caller will use: vectors from another
// encoder are meaningless to its questions, and rows of other chunks point at the wrong text; both
// are errors that say how to rebuild.
//
// Left out: approximate search (HNSW, IVF): exact search is fast enough at this size, and the
// reference an approximate index would be measured against.

import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { assert, GptLabError } from '../util/assert';
import { Chunk } from './chunk';
import { Hit } from './bm25';

export const INDEX_FORMAT = 'gpt-lab-vector-index';
export const INDEX_VERSION = 1;

/** Which encoder built the vectors. */
export interface EncoderInfo {
  /** A readable name: 'mean-pooled runs/full/base', 'contrastive runs/full/encoder'. */
  name: string;
  /** A fingerprint of its weights (weightsFingerprint), so a retrained encoder does not pass for the old one. */
  fingerprint: string;
}

/** manifest.json. */
export interface IndexManifest {
  format: typeof INDEX_FORMAT;
  version: number;
  encoder: EncoderInfo;
  /** chunksFingerprint of the chunks embedded. */
  chunks: string;
  count: number;
  dim: number;
  /** Chunk ids in row order. */
  ids: string[];
}

/**
 * A short sha256 of tensors' shapes and values: two encoders share it only if their weights are equal.
 *
 *   weightsFingerprint(model.variables()) → '3f1c0a9e5b7d2e41'
 */
export function weightsFingerprint(tensors: readonly tf.Tensor[]): string {
  const h = crypto.createHash('sha256');
  for (const t of tensors) {
    h.update(`${t.dtype}[${t.shape.join(',')}]`);
    const data = t.dataSync();
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}

/**
 * A short sha256 of chunk ids and texts, in order.
 *
 *   chunksFingerprint(factChunks(world)) → the same 16 hex digits for the same world
 */
export function chunksFingerprint(chunks: readonly Pick<Chunk, 'id' | 'text'>[]): string {
  const h = crypto.createHash('sha256');
  for (const c of chunks) h.update(`${c.id}\u0000${c.text}\u0001`);
  return h.digest('hex').slice(0, 16);
}

/** Rows scaled to unit length; an all-zero row stays zero (it scores 0 against everything). */
function normalizeRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 2, 1, true), 1e-12))) as tf.Tensor2D; // [N, D]
}

/** An exact cosine index. Holds one tensor: call dispose() when done. */
export class VectorIndex {
  private constructor(
    readonly ids: readonly string[],
    /** Unit rows [N, D]. */
    readonly vectors: tf.Tensor2D,
    readonly encoder: EncoderInfo,
    readonly chunks: string,
  ) {}

  /**
   * An index of chunks and their embeddings (rows in chunk order, any length: they are normalized).
   * The caller keeps ownership of `embeddings`.
   *
   *   VectorIndex.build(chunks, embed(chunks) [N, D], { name: 'mean-pooled base', fingerprint })
   */
  static build(
    chunks: readonly Pick<Chunk, 'id' | 'text'>[], embeddings: tf.Tensor2D, encoder: EncoderInfo,
  ): VectorIndex {
    const [n, d] = embeddings.shape;
    assert(n === chunks.length,
      () => `VectorIndex.build: ${n} embeddings for ${chunks.length} chunks; embed every chunk once, in order`);
    assert(n > 0 && d > 0,
      () => `VectorIndex.build: embeddings of shape [${n}, ${d}]; need at least one chunk and one dimension`);
    assert(new Set(chunks.map((c) => c.id)).size === n,
      () => 'VectorIndex.build: chunk ids repeat; give each chunk a unique id');
    return new VectorIndex(
      chunks.map((c) => c.id), normalizeRows(embeddings), { ...encoder }, chunksFingerprint(chunks));
  }

  get size(): number {
    return this.ids.length;
  }

  get dim(): number {
    return this.vectors.shape[1];
  }

  /**
   * The k chunks with the highest cosine to each query row, best first, with their cosines.
   *
   *   index.search(queries [2, D], 5) → [[5 hits], [5 hits]]
   */
  search(queries: tf.Tensor2D, k: number): Hit[][] {
    const [b, d] = queries.shape;
    assert(d === this.dim,
      () => `VectorIndex.search: queries have ${d} dims, the index ${this.dim}; ` +
        `embed them with the index's encoder (${this.encoder.name})`);
    assert(Number.isInteger(k) && k >= 1, () => `VectorIndex.search: k (${k}) must be a positive integer`);
    const kk = Math.min(k, this.size);
    const [values, indices] = tf.tidy(() => {
      const scores = tf.matMul(normalizeRows(queries), this.vectors, false, true); // [B, N]
      const top = tf.topk(scores, kk); // values, indices: [B, kk]
      return [top.values.dataSync(), top.indices.dataSync()];
    });
    return Array.from({ length: b }, (_, q) => Array.from({ length: kk }, (_, j) => ({
      id: this.ids[indices[q * kk + j]], score: values[q * kk + j],
    })));
  }

  /**
   * Writes manifest.json and vectors.f32 into dir (created if missing; an index there is replaced).
   *
   *   index.save('runs/full/index-fact')
   */
  save(dir: string): void {
    fs.mkdirSync(dir, { recursive: true });
    const data = this.vectors.dataSync() as Float32Array;
    fs.writeFileSync(path.join(dir, 'vectors.f32'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    const manifest: IndexManifest = {
      format: INDEX_FORMAT, version: INDEX_VERSION, encoder: this.encoder, chunks: this.chunks,
      count: this.size, dim: this.dim, ids: [...this.ids],
    };
    // The manifest last: a directory without one is not an index, so a crash mid-save is never loaded.
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  }

  /**
   * Reads an index, checking that the encoder and the chunks are the ones the caller uses.
   *
   *   VectorIndex.load('runs/full/index-fact', { encoder, chunks: factChunks(world) })
   */
  static load(
    dir: string, expect: { encoder: EncoderInfo; chunks: readonly Pick<Chunk, 'id' | 'text'>[] },
  ): VectorIndex {
    const m = readManifest(dir);
    const rebuild = `rebuild it: embed the chunks with the encoder you use and save the index to ${dir} again`;
    assert(m.encoder.name === expect.encoder.name && m.encoder.fingerprint === expect.encoder.fingerprint,
      () => `the index in ${dir} was built by encoder '${m.encoder.name}' (${m.encoder.fingerprint}), not by ` +
        `'${expect.encoder.name}' (${expect.encoder.fingerprint}); use that encoder or ${rebuild}`);
    const want = chunksFingerprint(expect.chunks);
    assert(m.chunks === want && m.count === expect.chunks.length,
      () => `the index in ${dir} is stale: it embeds ${m.count} chunks (fingerprint ${m.chunks}), ` +
        `not these ${expect.chunks.length} ` +
        `(fingerprint ${want}); the documents or the chunker changed since it was built: ${rebuild}`);
    const file = path.join(dir, 'vectors.f32');
    const bytes = fs.readFileSync(file);
    assert(bytes.length === m.count * m.dim * 4,
      () => `${file} has ${bytes.length} bytes, but the manifest says ${m.count} x ${m.dim} float32 ` +
        `(${m.count * m.dim * 4}); ${rebuild}`);
    const rows = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
    return new VectorIndex(m.ids, tf.tensor2d(rows, [m.count, m.dim]), m.encoder, m.chunks);
  }

  /** Frees the vectors. */
  dispose(): void {
    this.vectors.dispose();
  }
}

/** manifest.json of an index directory, checked. */
export function readManifest(dir: string): IndexManifest {
  const file = path.join(dir, 'manifest.json');
  let m: IndexManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as IndexManifest;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GptLabError(code === 'ENOENT'
      ? `no vector index in ${dir} (${file} is missing); build one there first (VectorIndex.build, then save)`
      : `${file} is not valid JSON (${(e as Error).message}); rebuild the index`);
  }
  assert(m.format === INDEX_FORMAT, () => `${file} is not a gpt-lab vector index (format '${m.format}')`);
  assert(m.version === INDEX_VERSION,
    () => `${file} has index version ${m.version}; this gpt-lab reads version ${INDEX_VERSION}: rebuild it`);
  assert(Array.isArray(m.ids) && m.ids.length === m.count,
    () => `${file} lists ${m.ids?.length} ids for ${m.count} rows; rebuild the index`);
  return m;
}
