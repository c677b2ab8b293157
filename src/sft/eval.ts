// Lesson 4 of SFT: scoring answers, not eyeballing them.
//
// Every question of the world knows its answer (QAExample.expected), and checkAnswer reads a free
// text reply the way the tasks' own evaluate does: the last number, or the expected word without a
// competing one. So "did SFT help" is a number: the fraction of held-out questions answered right,
// base model against SFT model, on the same prompts.
// Left out: sampling several answers per question (pass@k); here each question gets one greedy reply.

import { ChatTokenizer } from '../data/char-tokenizer';
import { checkAnswer, expectedText } from '../data/world/answers';
import { QAExample, promptFor } from '../data/world/task';
import { GPT } from '../model';
import { ReplyOptions, sampleReplies } from '../sample/chat';

/** One scored question. */
export interface ScoredRow {
  question: string;
  /** The expected answer as text ('432', 'Tamor'). */
  expected: string;
  reply: string;
  correct: boolean;
  /** Whether the reply ended by itself (with <|assistant_end|> or another stop token). */
  stopped: boolean;
}

/** The accuracy over examples and every row behind it. */
export interface TaskScore {
  /** Fraction of rows answered right, in [0, 1]. */
  accuracy: number;
  rows: ScoredRow[];
}

/**
 * Asks the model every example's question (greedy by default) and scores each reply with the
 * task's checker.
 *
 *   evaluateTask(sftModel, tok, heldOutFacts).accuracy → 0.8 (say)
 */
export function evaluateTask(
  model: GPT, tok: ChatTokenizer, examples: readonly QAExample[], opts: ReplyOptions = {},
): TaskScore {
  const replies = sampleReplies(model, tok, examples.map(promptFor), opts);
  const rows = examples.map((ex, i) => ({
    question: ex.question,
    expected: expectedText(ex.expected),
    reply: replies[i].text,
    correct: checkAnswer(ex.expected, replies[i].text),
    stopped: replies[i].stopped,
  }));
  const right = rows.filter((r) => r.correct).length;
  return { accuracy: rows.length === 0 ? 0 : right / rows.length, rows };
}
