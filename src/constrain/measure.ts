// Constrained decoding, step 6: what it does to a chat model, measured on held-out 2-digit sums
// (the SFT model's own task: 'What is 47+85?' → column steps → '#### 132').
//
//   free          no constraint: reasoning (the steps) before the answer, as SFT taught
//   answer-first  the reply must match '#### [0-9]+': the answer before any reasoning
//   json          the reply must match the schema {"answer": integer 0..999}: the answer first, in JSON
//
// For each: accuracy, whether the reply validates against the JSON schema (the caller checks with a
// maintained validator, ajv), and the forward passes a lone row spends on its reply, with forcing (one
// per sampled token, one per forced run) and without (one per token).
// Left out: the validator itself (ajv is the notebook's and the tests', not the library's).

import { ChatTokenizer } from '../data/char-tokenizer';
import { arithmeticTask } from '../data/world/arithmetic';
import { checkAnswer } from '../data/world/answers';
import { promptFor, QAExample } from '../data/world/task';
import { GPT } from '../model';
import { sampleReplies } from '../sample/chat';
import { forwardPasses, RowControl } from '../sample/control';
import { constrainedControl } from './decode';
import { ObjectSchema, schemaPattern } from './schema';
import { buildTokenIndex, vocabStrings } from './token-index';

/** The schema of the json template. */
export const ANSWER_SCHEMA: ObjectSchema = {
  type: 'object', properties: { answer: { type: 'integer', minimum: 0, maximum: 999 } }, required: ['answer'],
  additionalProperties: false,
};

/**
 * The answer-first template: the final line alone. Both templates bound the answer to 0..999 (a sum of
 * two 2-digit numbers is below 200): a small model that keeps writing zeros would otherwise never end.
 */
export const ANSWER_FIRST_PATTERN = '#### (0|[1-9][0-9]{0,2})';

export const CONSTRAIN_MODES = ['free', 'answer-first', 'json'] as const;
export type ConstrainMode = (typeof CONSTRAIN_MODES)[number];

/** One reply under one template. */
export interface ConstrainedRow {
  mode: ConstrainMode;
  question: string;
  expected: number;
  reply: string;
  correct: boolean;
  /** Ended with <|assistant_end|> (a template reply cut at maxTokens is incomplete, so invalid). */
  stopped: boolean;
  tokens: number;
  forced: number;
  /** Forward passes a lone row spends on the reply with forcing, and one per token without. */
  passes: number;
}

/**
 * n held-out 2-digit sums: drawn from another seed, none that the SFT data asked.
 *
 *   heldOutSums(48, sftQuestions(world, settings)).length → 48
 */
export function heldOutSums(n: number, exclude: ReadonlySet<string>, seed = 0x5e1d): QAExample[] {
  const task = arithmeticTask({ size: 10 * n + 100, seed, digits: 2, ops: ['+'] });
  const out: QAExample[] = [];
  for (let i = 0; i < task.size && out.length < n; i++) {
    const ex = task.example(i);
    if (!exclude.has(ex.question) && !out.some((o) => o.question === ex.question)) out.push(ex);
  }
  return out;
}

/** The row hook of a mode over a tokenizer (undefined for free). */
export function modeControl(tok: ChatTokenizer, mode: ConstrainMode): RowControl | undefined {
  if (mode === 'free') return undefined;
  const pattern = mode === 'json' ? schemaPattern(ANSWER_SCHEMA) : ANSWER_FIRST_PATTERN;
  return constrainedControl(buildTokenIndex(pattern, vocabStrings(tok), { eosId: tok.special('<|assistant_end|>') }));
}

/** The number a reply gives under a mode: the JSON's answer, else checkAnswer's reading of '####'. */
function isCorrect(mode: ConstrainMode, ex: QAExample, reply: string): boolean {
  if (mode !== 'json') return checkAnswer(ex.expected, reply);
  try {
    const v = JSON.parse(reply) as { answer?: unknown };
    return ex.expected.kind === 'number' && v.answer === ex.expected.value;
  } catch {
    return false;
  }
}

/**
 * Every question under every mode, greedy.
 *
 *   measureConstrained(sft.model, sft.tok, heldOutSums(48, seen)) → 144 rows
 */
export function measureConstrained(model: GPT, tok: ChatTokenizer, examples: readonly QAExample[],
  modes: readonly ConstrainMode[] = CONSTRAIN_MODES, opts: { maxTokens?: number } = {}): ConstrainedRow[] {
  const rows: ConstrainedRow[] = [];
  for (const mode of modes) {
    const replies = sampleReplies(model, tok, examples.map(promptFor),
      { maxTokens: opts.maxTokens ?? 64, control: modeControl(tok, mode) });
    replies.forEach((r, i) => {
      const ex = examples[i];
      rows.push({
        mode, question: ex.question, expected: ex.expected.kind === 'number' ? ex.expected.value : NaN, reply: r.text,
        correct: isCorrect(mode, ex, r.text), stopped: r.stopped, tokens: r.ids.length,
        forced: r.forced.filter((f) => f).length, passes: forwardPasses(r.forced),
      });
    });
  }
  return rows;
}
