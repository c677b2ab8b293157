// Lesson 2 of retrieval: BM25, word overlap weighted by rarity and damped by repetition and length.
//
// For a query of distinct terms t and a chunk D of |D| words among N chunks of average length avgdl:
//
//   score(D) = sum_t idf(t) · tf(t, D)·(k1 + 1) / (tf(t, D) + k1·(1 - b + b·|D|/avgdl))
//   idf(t)   = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))          n(t): chunks containing t
//
// (the idf is Lucene's, which never goes negative; Robertson's original drops the '1 +').
//
// The index and the term statistics come from MiniSearch (minisearch on npm, 7.2): a maintained,
// dependency-free full-text index that runs in Node and in the browser, small enough to read, and
// whose scoring is BM25 with its parameters exposed. @orama/orama also does BM25 but is a whole
// database with its own schema and async API, more than a lesson needs. MiniSearch differs from
// the formula above in two ways, both undone here:
//   - it scores BM25+ (Lv and Zhai, 2011): each matched term adds idf·delta, delta = 0.5 by default
//     (set to 0 here unless asked), and its default b is 0.7 (0.75 here);
//   - it multiplies a chunk's score by the number of distinct query terms it matched (a coordination
//     factor); here the score is divided by it again.
// Query terms are made distinct before scoring (MiniSearch would score a repeated term twice).
// test/retrieval/bm25.test.ts checks both this score and the library's own against hand computations.
//
// Left out: stemming and stop words (the world's one template per fact makes them matter little),
// fuzzy and prefix matching (invented names should match exactly).

import MiniSearch from 'minisearch';
import { assert } from '../util/assert';
import { words } from '../data/world/answers';
import { Chunk } from './chunk';

/** BM25's parameters. */
export interface BM25Config {
  /** Term-frequency saturation (default 1.2). */
  k1: number;
  /** Length normalization, 0..1 (default 0.75). */
  b: number;
  /** BM25+'s lower bound per matched term (default 0: plain BM25; MiniSearch's own default is 0.5). */
  delta: number;
}

/** A retrieved chunk. */
export interface Hit {
  id: string;
  score: number;
}

/**
 * Fills defaults (k1 1.2, b 0.75, delta 0) and checks them.
 *
 *   makeBM25Config({ b: 0 }) → { k1: 1.2, b: 0, delta: 0 }
 */
export function makeBM25Config(overrides: Partial<BM25Config> = {}): BM25Config {
  const c: BM25Config = { k1: 1.2, b: 0.75, delta: 0, ...overrides };
  assert(c.k1 >= 0, () => `BM25 k1 ${c.k1} must be non-negative (1.2 is usual)`);
  assert(c.b >= 0 && c.b <= 1, () => `BM25 b ${c.b} must be in [0, 1] (0.75 is usual)`);
  assert(c.delta >= 0, () => `BM25 delta ${c.delta} must be non-negative (0 for plain BM25)`);
  return c;
}

/** The distinct lowercase words of a query, in order: the terms BM25 sums over. */
function distinctWords(text: string): string[] {
  return [...new Set(words(text))];
}

/** A BM25 index over chunks. */
export class BM25Index {
  readonly config: BM25Config;
  private readonly search_: MiniSearch<Chunk>;

  /**
   *   new BM25Index(factChunks(world)).search('What is the job of Forum?', 5) → 5 hits, best first
   */
  constructor(chunks: readonly Chunk[], config: Partial<BM25Config> = {}) {
    this.config = makeBM25Config(config);
    const { k1: k, b, delta: d } = this.config;
    this.search_ = new MiniSearch<Chunk>({
      fields: ['text'],
      idField: 'id',
      tokenize: words,
      searchOptions: { tokenize: distinctWords, bm25: { k, b, d }, combineWith: 'OR' },
    });
    assert(new Set(chunks.map((c) => c.id)).size === chunks.length,
      () => 'BM25Index: chunk ids repeat; give each chunk a unique id');
    this.search_.addAll(chunks as Chunk[]);
  }

  /** Number of chunks indexed. */
  get size(): number {
    return this.search_.documentCount;
  }

  /**
   * The k best chunks for a query (fewer when fewer share a word with it), best first; equal scores
   * keep the library's order.
   */
  search(query: string, k: number): Hit[] {
    assert(Number.isInteger(k) && k >= 1, () => `BM25Index.search: k (${k}) must be a positive integer`);
    return this.scores(query).slice(0, k);
  }

  /** Every chunk sharing a word with the query, with its BM25 score, best first. */
  scores(query: string): Hit[] {
    return this.search_.search(query)
      .map((r) => ({ id: r.id as string, score: r.score / r.queryTerms.length }))
      .sort((x, y) => y.score - x.score);
  }
}
