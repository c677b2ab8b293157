// Lesson 10 of retrieval: a retrieval index on disk, for `gpt-lab rag index` and `gpt-lab rag ask`.
//
// A directory, like a checkpoint:
//   rag.json     format, version, the retriever ('bm25' or 'dense'), the chunker, the fingerprint of
//                the chunks, and for a dense index the encoder's checkpoint directory
//   chunks.json  the chunks (id, document, text, span), so answers can show their passages
//   manifest.json, vectors.f32   a dense index's vectors (vector-index.ts), with the encoder's fingerprint
// BM25 keeps no vectors: its index is rebuilt from chunks.json on load (milliseconds at this size).
// Loading checks the chunks against the world's documents cut the same way (a changed world makes
// the index stale) and, for a dense index, the encoder's weights against the fingerprint in the
// manifest (a retrained encoder makes the vectors meaningless); both errors say how to rebuild.
//
// Left out: adding documents to an existing index (rebuild it: it takes seconds).

import * as fs from 'fs';
import * as path from 'path';
import { assert, GptLabError } from '../util/assert';
import { World } from '../data/world/world';
import { ChatTokenizer } from '../data/char-tokenizer';
import { GPT } from '../model';
import { Chunk, ChunkerName, chunkWorld } from './chunk';
import { Retriever, bm25Retriever, denseRetriever } from './rag';
import { VectorIndex, chunksFingerprint } from './vector-index';
import { contrastiveEncoder } from './encoder';
import { meanPooledEncoder } from './embed';

export const RAG_INDEX_FORMAT = 'gpt-lab-rag-index';
export const RAG_INDEX_VERSION = 1;

/** rag.json. */
export interface RagIndexMeta {
  format: typeof RAG_INDEX_FORMAT;
  version: number;
  retriever: 'bm25' | 'dense';
  chunker: ChunkerName;
  /** chunksFingerprint of chunks.json. */
  chunks: string;
  count: number;
  /** A dense index's encoder: its checkpoint directory, and how its vectors were pooled. */
  encoder?: { dir: string; kind: 'contrastive' | 'mean-pooled' };
}

/** An encoder for a dense index: the model and the checkpoint it was loaded from. */
export interface EncoderModel {
  model: GPT;
  tok: ChatTokenizer;
  /** Its checkpoint directory (recorded in rag.json; `rag ask` loads it from there). */
  dir: string;
  /** 'contrastive' for an encoder stage, 'mean-pooled' for any other chat model (the untrained baseline). */
  kind: 'contrastive' | 'mean-pooled';
}

/** The encoder's identity: its kind, directory and weights. */
function encoderInfo(e: EncoderModel) {
  return e.kind === 'contrastive' ? contrastiveEncoder(e.model, e.dir) : meanPooledEncoder(e.model, e.dir);
}

/**
 * Builds an index of the world's documents cut by `chunker` into dir: BM25, or dense with `encoder`.
 * Returns what rag.json says.
 *
 *   buildRagIndex('out/idx', world, 'fact') → { retriever: 'bm25', chunker: 'fact', count: 376, ... }
 */
export function buildRagIndex(dir: string, world: World, chunker: ChunkerName, encoder?: EncoderModel): RagIndexMeta {
  const chunks = chunkWorld(world, chunker);
  fs.mkdirSync(dir, { recursive: true });
  fs.rmSync(path.join(dir, 'rag.json'), { force: true }); // a crash below leaves no index that looks whole
  fs.writeFileSync(path.join(dir, 'chunks.json'), JSON.stringify(chunks));
  if (encoder !== undefined) {
    const r = denseRetriever(encoder.model, encoder.tok, chunks, encoderInfo(encoder), 'dense');
    r.index.save(dir);
    r.dispose();
  } else {
    for (const f of ['manifest.json', 'vectors.f32']) fs.rmSync(path.join(dir, f), { force: true });
  }
  const meta: RagIndexMeta = {
    format: RAG_INDEX_FORMAT, version: RAG_INDEX_VERSION, retriever: encoder === undefined ? 'bm25' : 'dense', chunker,
    chunks: chunksFingerprint(chunks), count: chunks.length,
    ...(encoder !== undefined ? { encoder: { dir: path.resolve(encoder.dir), kind: encoder.kind } } : {}),
  };
  fs.writeFileSync(path.join(dir, 'rag.json'), JSON.stringify(meta, null, 1));
  return meta;
}

/** rag.json of an index directory, checked. */
export function readRagIndexMeta(dir: string): RagIndexMeta {
  const file = path.join(dir, 'rag.json');
  let m: RagIndexMeta;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as RagIndexMeta;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new GptLabError(code === 'ENOENT'
      ? `no retrieval index in ${dir} (${file} is missing); build one with \`gpt-lab rag index --out ${dir}\``
      : `${file} is not valid JSON (${(e as Error).message}); ` +
        `rebuild the index with \`gpt-lab rag index --out ${dir}\``);
  }
  assert(m.format === RAG_INDEX_FORMAT, () => `${file} is not a gpt-lab retrieval index (format '${m.format}')`);
  assert(m.version === RAG_INDEX_VERSION,
    () => `${file} has version ${m.version}; this gpt-lab reads ${RAG_INDEX_VERSION}: rebuild it`);
  return m;
}

/** A loaded index: its chunks and a retriever over them (dispose() frees a dense one's vectors). */
export interface LoadedRagIndex {
  meta: RagIndexMeta;
  chunks: Chunk[];
  retriever: Retriever;
  dispose(): void;
}

/**
 * Loads an index built for `world`; a dense one needs its encoder (loaded by the caller from
 * meta.encoder.dir, so that the caller owns it).
 *
 *   loadRagIndex('out/idx', world) → { meta, chunks, retriever }
 */
export function loadRagIndex(dir: string, world: World, encoder?: EncoderModel): LoadedRagIndex {
  const meta = readRagIndexMeta(dir);
  const rebuild = `rebuild it with \`gpt-lab rag index --out ${dir} ` +
    `--chunks ${meta.chunker === 'document' ? 'doc' : meta.chunker}` +
    `${meta.encoder !== undefined ? ` --encoder ${meta.encoder.dir}` : ''}\``;
  const chunks = JSON.parse(fs.readFileSync(path.join(dir, 'chunks.json'), 'utf8')) as Chunk[];
  const now = chunkWorld(world, meta.chunker);
  assert(chunksFingerprint(chunks) === meta.chunks && chunksFingerprint(now) === meta.chunks,
    () => `the index in ${dir} is stale: its ${meta.count} ${meta.chunker} chunks ` +
      "are not the world's documents cut the same way now " +
      `(${now.length} chunks); ${rebuild}`);
  if (meta.retriever === 'bm25') return { meta, chunks, retriever: bm25Retriever(chunks), dispose: () => undefined };
  assert(encoder !== undefined,
    () => `the index in ${dir} is dense: load its encoder (${meta.encoder?.dir}) and pass it`);
  const index = VectorIndex.load(dir, {
    encoder: encoderInfo({ ...encoder, dir: meta.encoder!.dir, kind: meta.encoder!.kind }), chunks,
  });
  const retriever = denseRetriever(encoder.model, encoder.tok, chunks, index.encoder, 'dense', index);
  return { meta, chunks, retriever, dispose: () => retriever.dispose() };
}
