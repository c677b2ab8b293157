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
// Left out: the calculator and retrieval tasks (not in this SFT mixture, see stages.ts).

import { checkAnswer, expectedText } from '../data/world/answers';
import { arithmeticTask } from '../data/world/arithmetic';
import { Fact } from '../data/world/facts';
import { factExample, factPool } from '../data/world/questions';
import { QAExample } from '../data/world/task';
import { Profile, profile } from '../profile';
import { evaluateTask, ScoredRow, TaskScore } from './eval';
import { completeDocuments, ReplyOptions } from './generate';
import { distinctQuestions, sftQuestions, sftSettings, StageModel, stageWorld } from './stages';

/** The held-out sets, by name. */
export type EvalSets = Record<string, QAExample[]>;

/** Lazily walks a task's examples 0..size-1. */
function* examplesOf<E>(task: { size: number; example(i: number): E }): Generator<E> {
  for (let i = 0; i < task.size; i++) yield task.example(i);
}

/**
 * The first n public facts of a split as questions (the same facts knowledgeProbe completes).
 *
 *   factQuestions('test', 2)[0].question → 'When was Dusem founded?'
 */
export function factQuestions(split: 'train' | 'test', n: number): QAExample[] {
  return factPool(stageWorld(), false, split).slice(0, n).map((f, i) => factExample('facts', i, f, f.question));
}

/**
 * Up to n questions per set (the 'small' world has 57 public facts in the test split).
 *
 *   evalSets(40) → { 'facts (test split)': [...], 'facts (train split)': [...], arithmetic: [...] }
 */
export function evalSets(n: number, prof: Profile = profile()): EvalSets {
  const seen = sftQuestions(prof);
  return {
    'facts (test split)': factQuestions('test', n),
    'facts (train split)': factQuestions('train', n),
    arithmetic: distinctQuestions(examplesOf(arithmeticTask({ size: 5000, seed: 777, digits: sftSettings(prof).mixture.digits })), n, seen),
  };
}

/** Every model's score on every set. */
export type Comparison = Record<string, Record<string, TaskScore>>;

/**
 * Scores each model on each set.
 *
 *   compareModels({ base, sft }, evalSets(40))['sft']['arithmetic'].accuracy → 0.3 (say)
 */
export function compareModels(models: Record<string, StageModel>, sets: EvalSets, opts: ReplyOptions = {}): Comparison {
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
 *   knowledgeProbe(base, 'test', 60).accuracy → 0.4 (say): the ceiling for answering those facts
 */
export function knowledgeProbe(m: StageModel, split: 'train' | 'test', n: number, opts: ReplyOptions = {}): TaskScore {
  const facts = factPool(stageWorld(), false, split).slice(0, n);
  const prompts = facts.map(factPrefix);
  const outs = completeDocuments(m.model, m.tok, prompts, { maxTokens: 24, ...opts });
  const rows: ScoredRow[] = facts.map((f, i) => {
    const first = outs[i].split('.')[0];
    return { question: prompts[i], expected: expectedText(f.expected), reply: outs[i], correct: checkAnswer(f.expected, first), stopped: true };
  });
  return { accuracy: rows.length === 0 ? 0 : rows.filter((r) => r.correct).length / rows.length, rows };
}
