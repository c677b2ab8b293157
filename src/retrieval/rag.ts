// Lesson 9 of retrieval: retrieval-augmented answers, end to end.
//
// A retriever turns questions into ranked chunks; the best k go into the open-book prompt as
// passages (as many as fit the context); the open-book model (open-book-sft.ts) answers; the
// world's scorer checks the answer. Every piece can be swapped, so the notebook measures each:
//   - retrievers: BM25, a dense encoder over a VectorIndex (the untrained baseline or the trained
//     one), and hybrids by reciprocal-rank fusion;
//   - passages: none (closed book), retrieved, or the right one given with chosen distractors at a
//     chosen position (the upper bound, and the sweeps).
//
//   const bm25 = bm25Retriever(chunks);
//   const cases = ragAnswers(openBook, bm25, chunks, questions, 3);  // [{ answer, correct, passages, ... }]
//
// Left out: re-ranking, query rewriting, and answers that cite their passage.

import { assert } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { Rng, hashSeed } from '../data/rng';
import { Doc } from '../data/world/documents';
import { checkAnswer } from '../data/world/answers';
import { factsOf } from '../data/world/facts';
import { renderOpenBook } from '../data/world/open-book';
import { World, entities, entity } from '../data/world/world';
import { GPT } from '../model';
import { ChatModel, continueBatch, stopTokens } from '../sample/chat';
import { BM25Index, Hit } from './bm25';
import { Chunk, chunkHolds } from './chunk';
import { embedTexts } from './embed';
import { RetrievalQuestion } from './questions';
import { reciprocalRankFusion } from './recall';
import { EncoderInfo, VectorIndex } from './vector-index';
import { factPassage } from './open-book-sft';

/** Anything that ranks chunks for questions. */
export interface Retriever {
  name: string;
  /** The k best chunk ids (with scores) for each question, best first. */
  search(questions: readonly string[], k: number): Hit[][];
}

/**
 * BM25 over chunks as a Retriever.
 *
 *   bm25Retriever(factChunks(world)).search(['Where is Dusem?'], 1) → [[{ id: 'town-0/region', score }]]
 */
export function bm25Retriever(chunks: readonly Chunk[], name = 'BM25'): Retriever {
  const index = new BM25Index(chunks);
  return { name, search: (qs, k) => qs.map((q) => index.search(q, k)) };
}

/** A dense retriever: its index holds a tensor (dispose it when done). */
export interface DenseRetriever extends Retriever {
  index: VectorIndex;
  dispose(): void;
}

/**
 * A dense retriever: chunks embedded by mean pooling through `model` into an exact cosine index
 * (or `index`, one loaded from disk for the same encoder), questions embedded the same way.
 *
 *   denseRetriever(base, tok, chunks, meanPooledEncoder(base, 'base'), 'untrained').search(['Where is Dusem?'], 5)
 */
export function denseRetriever(
  model: GPT, tok: ChatTokenizer, chunks: readonly Chunk[], encoder: EncoderInfo, name: string, index?: VectorIndex,
): DenseRetriever {
  const encode = (s: string) => tok.encode(s);
  let built = index;
  if (built === undefined) {
    const x = embedTexts(model, encode, chunks.map((c) => c.text)); // [N, C]
    built = VectorIndex.build(chunks, x, encoder);
    x.dispose();
  }
  const idx = built;
  return {
    name, index: idx,
    search: (qs, k) => {
      const q = embedTexts(model, encode, qs); // [B, C]
      try {
        return idx.search(q, k);
      } finally {
        q.dispose();
      }
    },
    dispose: () => idx.dispose(),
  };
}

/**
 * Reciprocal-rank fusion of retrievers: each ranks `depth` chunks, the fused ranking is cut to k.
 *
 *   hybridRetriever([bm25, dense]).search(['Where is Dusem?'], 5) → 5 hits, scores = sums of 1/(60 + rank)
 */
export function hybridRetriever(
  parts: readonly Retriever[], name = `hybrid (${parts.map((p) => p.name).join(' + ')})`, depth = 20, rrfK = 60,
): Retriever {
  assert(parts.length >= 2, () => `hybridRetriever: fuse at least 2 retrievers (got ${parts.length})`);
  return {
    name,
    search: (qs, k) => {
      const lists = parts.map((p) => p.search(qs, Math.max(depth, k)));
      return qs.map((_, q) => reciprocalRankFusion(lists.map((l) => l[q].map((h) => h.id)), rrfK).slice(0, k));
    },
  };
}

/**
 * The ids of the chunks that hold a question's fact whole.
 *
 *   relevantIds(factChunks(world), question) → ['person-50/job']
 */
export function relevantIds(chunks: readonly Chunk[], q: Pick<RetrievalQuestion, 'span'>): string[] {
  return chunks.filter((c) => chunkHolds(c, q.span)).map((c) => c.id);
}

/**
 * The 1-based rank of the first chunk holding each question's fact among the first `depth`
 * retrieved, or 0 when none is there: recall@k is the fraction with 1 <= rank <= k.
 *
 *   answerRanks(bm25, chunks, questions, 5) → [1, 3, 0, 1, ...]
 */
export function answerRanks(
  retriever: Retriever, chunks: readonly Chunk[], questions: readonly RetrievalQuestion[], depth: number,
): number[] {
  const hits = retriever.search(questions.map((q) => q.question), depth);
  return questions.map((q, i) => {
    const want = new Set(relevantIds(chunks, q));
    return hits[i].findIndex((h) => want.has(h.id)) + 1;
  });
}

/** A chunk as a passage. */
export function chunkPassage(c: Pick<Chunk, 'id' | 'docId' | 'text'>): Doc {
  return { id: c.id, title: c.docId, text: c.text };
}

/**
 * The open-book prompt ids for passages in rank order: as many of the first passages as leave
 * `reserve` tokens of the context for the answer; returns the ids and the passages kept.
 *
 *   fitOpenBook(tok, passages, 'Where is Dusem?', 256, 32)
 *     → { ids: [bos, user_start, ...], used: passages.slice(0, n) }
 */
export function fitOpenBook(tok: ChatTokenizer, passages: readonly Doc[], question: string, blockSize: number,
  reserve: number): { ids: number[]; used: Doc[] } {
  const budget = blockSize - reserve;
  let ids = renderOpenBook(tok, [], question).ids;
  assert(ids.length <= budget,
    () => `the question alone takes ${ids.length} tokens, over ${budget} ` +
      `(blockSize ${blockSize} minus ${reserve} for the answer)`);
  const used: Doc[] = [];
  for (const p of passages) {
    const next = renderOpenBook(tok, [...used, p], question).ids;
    if (next.length > budget) break;
    used.push(p);
    ids = next;
  }
  return { ids, used };
}

/** One question answered from passages. */
export interface AnswerCase {
  question: string;
  /** The passages the model read, in prompt order. */
  passages: Doc[];
  answer: string;
  correct: boolean;
}

/** How answers are generated. */
export interface AnswerOptions {
  /** Most tokens per answer (default 32). */
  maxTokens?: number;
  /** Prompts decoded together (default 32). */
  batchSize?: number;
}

/**
 * Greedy answers of an open-book model to questions, each with its passages (rank order; the
 * lowest-ranked are dropped when they do not fit), scored against `expected`.
 *
 *   answerWithPassages(openBook, [{ question: 'How old is Zevim?', passages: [zevimAge], expected }])[0].correct
 *     → true
 */
export function answerWithPassages(chat: ChatModel,
  items: readonly { question: string; passages: readonly Doc[]; expected: RetrievalQuestion['expected'] }[],
  opts: AnswerOptions = {}): AnswerCase[] {
  const maxTokens = opts.maxTokens ?? 32, batchSize = opts.batchSize ?? 32;
  const fitted = items.map((it) =>
    fitOpenBook(chat.tok, it.passages, it.question, chat.model.config.blockSize, maxTokens));
  const stop = stopTokens(chat.tok);
  const out: AnswerCase[] = [];
  for (let s = 0; s < items.length; s += batchSize) {
    const rows = continueBatch(chat.model, fitted.slice(s, s + batchSize).map((f) => f.ids),
      { stop, maxTokens, temperature: 0 });
    rows.forEach((r, j) => {
      const it = items[s + j];
      const answer = chat.tok.decode(r.stopped ? r.ids.slice(0, -1) : r.ids);
      out.push({
        question: it.question, passages: fitted[s + j].used, answer, correct: checkAnswer(it.expected, answer),
      });
    });
  }
  return out;
}

/**
 * Retrieval-augmented answers: the top k chunks of `retriever` (none: closed book) as passages.
 *
 *   ragAnswers(openBook, bm25, chunks, questions, 3).filter((c) => c.correct).length / questions.length → accuracy
 */
export function ragAnswers(chat: ChatModel, retriever: Retriever | undefined, chunks: readonly Chunk[],
  questions: readonly RetrievalQuestion[], k: number, opts: AnswerOptions = {}): AnswerCase[] {
  const byId = new Map(chunks.map((c) => [c.id, c]));
  const hits = retriever === undefined
    ? questions.map(() => [])
    : retriever.search(questions.map((q) => q.question), k);
  return answerWithPassages(chat, questions.map((q, i) => ({
    question: q.question, expected: q.expected, passages: hits[i].map((h) => chunkPassage(byId.get(h.id)!)),
  })), opts);
}

/** Where the right passage goes among the distractors. */
export type Position = number | 'random';

/**
 * The right fact's passage with `count` distractor facts (half other facts of the same entity,
 * while there are any, half facts of other entities), the right one at `position` (0 = first; a
 * number past the end means last) or at a random place. A function of (seed, question index).
 *
 *   givenPassages(world, questions, 2, 0, 1)[0] → [right, distractor, distractor]
 */
export function givenPassages(
  world: World, questions: readonly RetrievalQuestion[], count: number, position: Position, seed: number,
): Doc[][] {
  assert(Number.isInteger(count) && count >= 0, () => `givenPassages: count ${count} must be a non-negative integer`);
  return questions.map((q, i) => {
    const rng = new Rng(hashSeed(seed, 0x91fe, i));
    const [entityId] = q.factId.split('/');
    const facts = factsOf(world, entity(world, entityId));
    const right = factPassage(facts.find((f) => `${f.entityId}/${f.attribute}` === q.factId)!);
    const hard = rng.shuffle(facts.filter((f) => f.sentence !== right.text)).map(factPassage);
    const easy = rng.shuffle(entities(world).filter((e) => e.id !== entityId)).slice(0, count)
      .map((e) => factPassage(rng.pick(factsOf(world, e))));
    const distractors: Doc[] = [];
    for (let j = 0; distractors.length < count; j++) {
      distractors.push((j % 2 === 0 && hard.length > 0 ? hard : easy).shift()!);
    }
    const at = position === 'random' ? rng.int(0, count + 1) : Math.min(position, count);
    distractors.splice(at, 0, right);
    return distractors;
  });
}

/** Frees what a list of retrievers holds (dense ones hold their index). */
export function disposeRetrievers(rs: readonly Retriever[]): void {
  for (const r of rs) (r as Partial<DenseRetriever>).dispose?.();
}
