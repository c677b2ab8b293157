// Lesson 7 of SFT: base against SFT, on questions neither was fine-tuned on.
//
// Three held-out sets, each a list of distinct questions:
//   - facts (test split): facts that pretraining stated but SFT never asked about. Right answers
//     here mean SFT taught the *format* and the knowledge came from pretraining.
//   - facts (train split): questions SFT did train on, for comparison: memorized answers.
//   - arithmetic: sums and products (as many digits as SFT's) drawn with another seed, minus any
//     question SFT saw.
// And a probe of what the base model knows at all: each fact's sentence cut before the answer
// ('Rekol lives in'), completed as a document. SFT cannot answer what pretraining did not store.
// Both models get the same chat prompts and greedy decoding; the same checker scores both.
// The sets are defined in src/data/world/splits.ts. Left out: the calculator and retrieval tasks (not
// in this SFT mixture).

import { checkAnswer, expectedText } from '../data/world/answers';
import { Fact } from '../data/world/facts';
import { factPool } from '../data/world/questions';
import { factQuestions, heldOutArithmetic } from '../data/world/splits';
import { QAExample } from '../data/world/task';
import { World } from '../data/world/world';
import { ChatModel, completeDocuments, ReplyOptions } from '../sample/chat';
import { Interval, bootstrapPairedDifference } from '../think/bootstrap';
import { mean } from '../think/report';
import { assert } from '../util/assert';
import { evaluateTask, ScoredRow, TaskScore } from './eval';
import { sftQuestions, SftSettings } from './stage';

/** The held-out sets, by name. */
export type EvalSets = Record<string, QAExample[]>;

/**
 * Up to n questions per set (the 'small' world has 57 public facts in the test split).
 *
 *   evalSets(40, world, settings.sft)
 *     → { 'facts (test split)': [...], 'facts (train split)': [...], arithmetic: [...] }
 */
export function evalSets(n: number, world: World, sft: SftSettings): EvalSets {
  return {
    'facts (test split)': factQuestions(world, 'test', n),
    'facts (train split)': factQuestions(world, 'train', n),
    arithmetic: heldOutArithmetic(sft.mixture.digits, n, sftQuestions(world, sft)),
  };
}

/** Every model's score on every set. */
export type Comparison = Record<string, Record<string, TaskScore>>;

/**
 * Scores each model on each set.
 *
 *   compareModels({ base, sft }, evalSets(40))['sft']['arithmetic'].accuracy → 0.3 (say)
 */
export function compareModels(models: Record<string, ChatModel>, sets: EvalSets, opts: ReplyOptions = {}): Comparison {
  const out: Comparison = {};
  for (const [name, m] of Object.entries(models)) {
    out[name] = {};
    for (const [set, examples] of Object.entries(sets)) out[name][set] = evaluateTask(m.model, m.tok, examples, opts);
  }
  return out;
}

/**
 * The accuracies as table rows, one per set, one column per model (percent, 1 decimal).
 *
 *   accuracyRows(cmp) → [{ set: 'arithmetic', questions: 40, base: 0, sft: 32.5 }, ...]
 */
export function accuracyRows(cmp: Comparison): Record<string, string | number>[] {
  const names = Object.keys(cmp);
  const sets = names.length === 0 ? [] : Object.keys(cmp[names[0]]);
  return sets.map((set) => {
    const row: Record<string, string | number> = { set, questions: cmp[names[0]][set].rows.length };
    for (const n of names) row[n] = Math.round(cmp[n][set].accuracy * 1000) / 10;
    return row;
  });
}

/** Two models on the same pooled questions: each one's accuracy, and the difference with its interval. */
export interface PooledGain {
  questions: number;
  /** Accuracy of `from` and of `to` over every question of the sets, in [0, 1]. */
  from: number;
  to: number;
  /** to - from, paired question by question, with a 95% percentile bootstrap interval. */
  gain: Interval;
}

/**
 * The questions of several sets pooled into one: how much model `to` answers above model `from`.
 * Held-out sets are small (a few right answers each); pooled, the interval says whether the gain is
 * more than chance.
 *
 *   pooledGain(cmp, ['facts (test split)', 'arithmetic'], 'base', 'sft')
 *     → { questions: 114, from: 0, to: 0.061, gain: { estimate: 0.061, lower: 0.026, upper: 0.105, ... } }
 */
export function pooledGain(cmp: Comparison, sets: readonly string[], from: string, to: string): PooledGain {
  for (const m of [from, to]) {
    assert(cmp[m] !== undefined,
      () => `pooledGain: no model '${m}' in the comparison; it has ${Object.keys(cmp).join(', ')}`);
    for (const set of sets) {
      assert(cmp[m][set] !== undefined,
        () => `pooledGain: no set '${set}' for '${m}'; the sets are ${Object.keys(cmp[m]).join(', ')}`);
    }
  }
  const outcomes = (m: string): number[] => sets.flatMap((set) => cmp[m][set].rows.map((r) => (r.correct ? 1 : 0)));
  const a = outcomes(from);
  const b = outcomes(to);
  assert(a.length > 0, () => `pooledGain: the sets ${sets.join(', ')} hold no questions`);
  return { questions: a.length, from: mean(a), to: mean(b), gain: bootstrapPairedDifference(b, a) };
}

/**
 * Side-by-side answers to the same questions: one row per question, one reply column per model.
 *
 *   sideBySide(cmp, 'arithmetic', 3) → [{ question, expected, base: '...', sft: '...' }, ...]
 */
export function sideBySide(cmp: Comparison, set: string, n: number): Record<string, string>[] {
  const names = Object.keys(cmp);
  const rows = cmp[names[0]][set].rows.slice(0, n);
  return rows.map((r, i) => {
    const row: Record<string, string> = { question: r.question, expected: r.expected };
    for (const name of names) {
      const x = cmp[name][set].rows[i];
      row[name] = `${x.correct ? '✓' : '✗'} ${x.reply}`;
    }
    return row;
  });
}

/**
 * A fact's sentence cut just before its answer, as a document start.
 *
 *   factPrefix(fact 'Rekol lives in Dusem.') → 'Rekol lives in'
 */
export function factPrefix(f: Fact): string {
  const at = f.sentence.lastIndexOf(expectedText(f.expected));
  return f.sentence.slice(0, at < 0 ? f.sentence.length : at).trimEnd();
}

/**
 * What a model knows as a document completer: the first n public facts of a split, each sentence cut
 * before its answer and completed greedily; a completion is right when its first sentence gives the
 * answer (the same checker as the questions).
 *
 *   knowledgeProbe(base, world, 'test', 60).accuracy → 0.4 (say): the ceiling for answering those facts
 */
export function knowledgeProbe(
  m: ChatModel, world: World, split: 'train' | 'test', n: number, opts: ReplyOptions = {},
): TaskScore {
  const facts = factPool(world, false, split).slice(0, n);
  const prompts = facts.map(factPrefix);
  const outs = completeDocuments(m.model, m.tok, prompts, { maxTokens: 24, ...opts });
  const rows: ScoredRow[] = facts.map((f, i) => {
    const first = outs[i].split('.')[0];
    return {
      question: prompts[i], expected: expectedText(f.expected), reply: outs[i],
      correct: checkAnswer(f.expected, first), stopped: true,
    };
  });
  return { accuracy: rows.length === 0 ? 0 : rows.filter((r) => r.correct).length / rows.length, rows };
}
