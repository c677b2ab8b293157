// Lesson 11 of retrieval: the tables notebook 08 shows, computed here so the notebook stays thin.
//
//   recallRows([bm25, dense], chunks, { literal, paraphrased }) → one row per retriever: recall@1 and @5 per set
//   accuracyRow('BM25', cases) → { passages: 'BM25', accuracy: '62% [52%, 72%]', n: 90 }
//
// Rates come with 95% percentile-bootstrap intervals (src/think/bootstrap.ts) over the questions.
// Left out: plotting (src/viz does it from these rows).

import { ChatTokenizer } from '../data/char-tokenizer';
import { renderOpenBook } from '../data/world/open-book';
import { bootstrapMean, Interval } from '../think/bootstrap';
import { Chunk } from './chunk';
import { AnswerCase, Retriever, answerRanks } from './rag';
import { RetrievalQuestion } from './questions';

/**
 * A rate with its interval as a short string.
 *
 *   formatRate({ estimate: 0.625, lower: 0.5, upper: 0.75, level: 0.95, n: 40 }) → '62.5% [50.0%, 75.0%]'
 */
export function formatRate(i: Interval): string {
  const p = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `${p(i.estimate)} [${p(i.lower)}, ${p(i.upper)}]`;
}

/**
 * recall@k with its interval from answer ranks (0 = not retrieved).
 *
 *   recallInterval([1, 3, 0, 1], 1).estimate → 0.5;  recallInterval([1, 3, 0, 1], 5).estimate → 0.75
 */
export function recallInterval(ranks: readonly number[], k: number): Interval {
  return bootstrapMean(ranks.map((r) => (r >= 1 && r <= k ? 1 : 0)));
}

/** One row per retriever: recall@1 and recall@5 on each question set, with intervals. */
export function recallRows(retrievers: readonly Retriever[], chunks: readonly Chunk[],
  sets: Record<string, readonly RetrievalQuestion[]>): Record<string, string | number>[] {
  return retrievers.map((r) => {
    const row: Record<string, string | number> = { retriever: r.name };
    for (const [name, qs] of Object.entries(sets)) {
      const ranks = answerRanks(r, chunks, qs, 5);
      row[`${name} recall@1`] = formatRate(recallInterval(ranks, 1));
      row[`${name} recall@5`] = formatRate(recallInterval(ranks, 5));
    }
    return row;
  });
}

/** The accuracy of answer cases with its interval. */
export function accuracyOf(cases: readonly AnswerCase[]): Interval {
  return bootstrapMean(cases.map((c) => (c.correct ? 1 : 0)));
}

/**
 * A chunker's size statistics: chunks, mean tokens per chunk, and how many mean-sized passages fit the
 * context beside a question and an answer (`reserve` tokens).
 *
 *   chunkStats(tok, factChunks(world), 256, 32, 'How old is Zevim?')
 *     → { chunks: 376, 'tokens per chunk': 7.1, 'passages that fit': 25 }
 */
export function chunkStats(
  tok: ChatTokenizer, chunks: readonly Chunk[], blockSize: number, reserve: number, question: string,
): Record<string, number> {
  const mean = chunks.reduce((s, c) => s + tok.encode(c.text).length, 0) / chunks.length;
  const frame = renderOpenBook(tok, [], question).ids.length;
  return {
    chunks: chunks.length, 'tokens per chunk': Number(mean.toFixed(1)),
    'passages that fit': Math.floor((blockSize - reserve - frame) / (mean + 2)),
  };
}

/**
 * Side by side, for the questions where `retrieved` was wrong: what was retrieved, the answer from it,
 * and the answer from the right passage given.
 *
 * relevant[i] lists the chunk ids that hold question i's fact (relevantIds).
 *
 *   failureRows(bm25Cases, givenCases, questions, relevant, 5)
 *     → up to 5 rows { question, expected, retrieved, answer, ... }
 */
export function failureRows(retrieved: readonly AnswerCase[], given: readonly AnswerCase[],
  questions: readonly RetrievalQuestion[], relevant: readonly (readonly string[])[], n: number,
): Record<string, string>[] {
  const rows: Record<string, string>[] = [];
  retrieved.forEach((c, i) => {
    if (c.correct || rows.length >= n) return;
    const q = questions[i];
    const hit = c.passages.some((p) => relevant[i].includes(p.id));
    rows.push({
      question: c.question, expected: q.expected.kind === 'number' ? String(q.expected.value) : q.expected.value,
      'retrieved passages': c.passages.map((p) => p.text).join(' | '),
      'right passage retrieved': hit ? 'yes' : 'no',
      'answer from them': c.answer,
      'answer with the right passage given': `${given[i].answer} (${given[i].correct ? 'right' : 'wrong'})`,
    });
  });
  return rows;
}
