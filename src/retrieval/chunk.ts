// Lesson 1 of retrieval: break documents into chunks.
//
// A retriever returns chunks, and the prompt holds only a few of them, so the chunk is a trade-off:
// small chunks match a question sharply but may cut a fact in half; big ones keep context but
// crowd the prompt. Three chunkers over the world's document store:
//   - factChunks: one fact (sentence) per chunk, the sharpest;
//   - documentChunks: one document (entity) per chunk;
//   - windowChunks: fixed windows of `size` words that overlap by `overlap` words, blind to sentences.
// Every chunk keeps its document id and character span, so whether a chunk holds a fact is a
// question of spans (chunkHolds), the same for every chunker.
//
// Left out: token-based windows (words keep chunks tokenizer-free) and semantic splitting.

import { assert } from '../util/assert';
import { Doc, documentStore } from '../data/world/documents';
import { Fact, factsOf } from '../data/world/facts';
import { World, entities } from '../data/world/world';

/** A piece of a document. */
export interface Chunk {
  /** Unique within a chunking: 'person-3', 'person-3/job' or 'person-3@12'. */
  id: string;
  /** The document it comes from. */
  docId: string;
  text: string;
  /** Character span [start, end) of the text in its document. */
  start: number;
  end: number;
}

/** A span of a document: where a fact is stated. */
export interface Span {
  docId: string;
  start: number;
  end: number;
}

/** The chunkers, by name. */
export type ChunkerName = 'fact' | 'document' | 'window';

/** Fixed windows. */
export interface WindowConfig {
  /** Words per window (default 12). */
  size: number;
  /** Words shared by consecutive windows, 0..size-1 (default 4). */
  overlap: number;
}

/**
 * Where each fact of a world is stated in its entity's document, keyed 'entityId/attribute'.
 * (Documents are the facts' sentences joined by single spaces, in factsOf order.)
 *
 *   factSpans(world).get('town-0/founded') → { docId: 'town-0', start: 23, end: 48 }
 *   (town-0's document is 'Dusem is in the north. Dusem was founded in 883.')
 */
export function factSpans(world: World): Map<string, Span> {
  const spans = new Map<string, Span>();
  for (const e of entities(world)) {
    let at = 0;
    for (const f of factsOf(world, e)) {
      spans.set(factId(f), { docId: e.id, start: at, end: at + f.sentence.length });
      at += f.sentence.length + 1;
    }
  }
  return spans;
}

/** A fact's key: 'person-3/job'. */
export function factId(f: Pick<Fact, 'entityId' | 'attribute'>): string {
  return `${f.entityId}/${f.attribute}`;
}

/**
 * One chunk per fact: its sentence.
 *
 *   factChunks(world)[1]
 *     → { id: 'town-0/founded', docId: 'town-0', text: 'Dusem was founded in 883.', start: 23, end: 48 }
 */
export function factChunks(world: World): Chunk[] {
  const spans = factSpans(world);
  return entities(world).flatMap((e) => factsOf(world, e).map((f) => {
    const id = factId(f);
    const s = spans.get(id)!;
    return { id, docId: e.id, text: f.sentence, start: s.start, end: s.end };
  }));
}

/**
 * One chunk per document.
 *
 *   documentChunks(documentStore(world))[0]
 *     → { id: 'town-0', docId: 'town-0', text: 'Dusem is in the north. Dusem was founded in 883.',
 *         start: 0, end: 48 }
 */
export function documentChunks(docs: readonly Doc[]): Chunk[] {
  return docs.map((d) => ({ id: d.id, docId: d.id, text: d.text, start: 0, end: d.text.length }));
}

/**
 * Fills defaults (12 words, overlap 4) and checks them.
 *
 *   makeWindowConfig({ size: 3 }) → throws: overlap 4 must be in 0..2
 */
export function makeWindowConfig(overrides: Partial<WindowConfig> = {}): WindowConfig {
  const c: WindowConfig = { size: 12, overlap: 4, ...overrides };
  assert(Number.isInteger(c.size) && c.size >= 1, () => `window size ${c.size} must be a positive integer (words)`);
  assert(Number.isInteger(c.overlap) && c.overlap >= 0 && c.overlap < c.size,
    () => `window overlap ${c.overlap} must be in 0..${c.size - 1} (below the size, ${c.size})`);
  return c;
}

/**
 * Windows of `size` words, each starting `size - overlap` words after the previous; the last one
 * reaches the document's end (and may be shorter). Words are runs of non-space characters, and a
 * window's text is the document's own text from its first word to its last.
 *
 *   windowChunks([{ id: 'd', title: 'd', text: 'a b c d e f' }], { size: 3, overlap: 1 }).map((c) => c.text)
 *     → ['a b c', 'c d e', 'e f']
 */
export function windowChunks(docs: readonly Doc[], config: Partial<WindowConfig> = {}): Chunk[] {
  const c = makeWindowConfig(config);
  const step = c.size - c.overlap;
  const chunks: Chunk[] = [];
  for (const d of docs) {
    const spans = [...d.text.matchAll(/\S+/g)].map((m) => [m.index!, m.index! + m[0].length]);
    for (let w = 0; w < spans.length; w += step) {
      const last = Math.min(w + c.size, spans.length) - 1;
      const start = spans[w][0], end = spans[last][1];
      chunks.push({ id: `${d.id}@${w}`, docId: d.id, text: d.text.slice(start, end), start, end });
      if (last === spans.length - 1) break;
    }
  }
  return chunks;
}

/**
 * The world's document store cut by a chunker.
 *
 *   chunkWorld(world, 'fact').length → number of facts;  chunkWorld(world, 'document').length → number of entities
 */
export function chunkWorld(world: World, chunker: ChunkerName, window: Partial<WindowConfig> = {}): Chunk[] {
  if (chunker === 'fact') return factChunks(world);
  const docs = documentStore(world);
  return chunker === 'document' ? documentChunks(docs) : windowChunks(docs, window);
}

/**
 * Whether a chunk contains the whole of a span (a fact cut in two by a window does not count).
 *
 *   chunkHolds({ docId: 'town-0', start: 0, end: 48, ... }, { docId: 'town-0', start: 23, end: 48 }) → true
 */
export function chunkHolds(chunk: Chunk, span: Span): boolean {
  return chunk.docId === span.docId && chunk.start <= span.start && span.end <= chunk.end;
}
