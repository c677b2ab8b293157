// Lesson 18 of the data pipeline: preferences, from a rule-based labeler.
//
// RLHF learns from people comparing two replies. gpt-lab has no people to ask, so a fixed set of
// rules stands in for the human raters: it scores a reply in [0, 1] as
//
//   score = 0.6 * correct + 0.2 * politeness + 0.2 * brevity
//
//   - correct: the reply gives the expected answer (checkAnswer, the task's own scorer);
//   - politeness: 1 with a friendly marker ('sure', 'happy to help', ...) and no rude one, 0 with a
//     rude marker ('obviously', 'whatever', ...), 0.5 otherwise;
//   - brevity: 1 up to 12 words, falling linearly to 0 at 36 words.
//
// and prefers the reply with the higher score. Correctness dominates (a wrong reply scores at most
// 0.4, a right one at least 0.6), as it should for a careful rater, but politeness and brevity are
// cheap to fake. That is the point: the reward model learned from these preferences can be pleased
// by "Sure!" alone, and RLHF against it can raise the learned reward while the true score (does
// the reply give the right answer: the task's evaluate) falls. The notebook plots both: reward
// hacking, in a setting small enough to watch.
//
// Left out: noisy or disagreeing raters, and ties (pairs are drawn until the scores differ).

import { assert } from '../../util/assert';
import { Conversation, assistantText } from '../conversation';
import { Rng } from '../rng';
import { Expected, checkAnswer, expectedText, words } from './answers';
import { arithmeticTask } from './arithmetic';
import { factsTask } from './questions';
import { QAExample, Task, TaskConfig, exampleRng, makeTaskConfig, promptFor } from './task';
import { World } from './world';

/** Markers the labeler reads as polite and as rude (matched as whole words, any case). */
export const POLITE_MARKERS = ['sure', 'happy to help', 'glad', 'thank you'] as const;
export const RUDE_MARKERS = ['obviously', 'whatever', 'figure it out'] as const;

/** How the labeler weighs what it checks. */
export interface LabelerConfig {
  /** Weights of correctness, politeness and brevity; they sum to 1 so scores stay in [0, 1]. */
  weights: { correct: number; polite: number; brief: number };
  /** Replies up to this many words get full brevity marks. */
  briefWords: number;
  /** Replies of this many words or more get none. */
  maxWords: number;
}

export const DEFAULT_LABELER: LabelerConfig = {
  weights: { correct: 0.6, polite: 0.2, brief: 0.2 },
  briefWords: 12,
  maxWords: 36,
};

/** What the labeler found in a reply. */
export interface Label {
  /** The labeler's score in [0, 1]: what RLHF's reward model learns to imitate. */
  score: number;
  /** The true score: does the reply give the right answer. */
  correct: boolean;
  /** 0, 0.5 or 1. */
  politeness: number;
  /** In [0, 1]. */
  brevity: number;
}

/** Whether a phrase occurs in the text as whole words: hasPhrase('Sure, it is.', 'sure') → true */
function hasPhrase(text: string, phrase: string): boolean {
  return ` ${words(text).join(' ')} `.includes(` ${phrase} `);
}

/**
 * 1 for a polite reply, 0 for a rude one (rude wins over polite), 0.5 otherwise.
 *
 *   politeness('Sure! It is 12.') → 1;  politeness('Obviously it is 12.') → 0;  politeness('It is 12.') → 0.5
 */
export function politeness(reply: string): number {
  if (RUDE_MARKERS.some((m) => hasPhrase(reply, m))) return 0;
  if (POLITE_MARKERS.some((m) => hasPhrase(reply, m))) return 1;
  return 0.5;
}

/**
 * 1 up to briefWords words, 0 from maxWords on, linear in between.
 *
 *   brevity('It is 12.') → 1;  brevity(a 24-word reply) → 0.5;  brevity(a 40-word reply) → 0
 */
export function brevity(reply: string, config: LabelerConfig = DEFAULT_LABELER): number {
  const n = words(reply).length;
  if (n <= config.briefWords) return 1;
  return Math.max(0, 1 - (n - config.briefWords) / (config.maxWords - config.briefWords));
}

/**
 * The labeler's verdict on one reply.
 *
 *   labelReply({ kind: 'number', value: 12 }, 'Sure! 5+7=12.')
 *     → { score: 1, correct: true, politeness: 1, brevity: 1 }
 *   labelReply({ kind: 'number', value: 12 }, 'It is 13.')
 *     → { score: 0.3, correct: false, politeness: 0.5, brevity: 1 }
 */
export function labelReply(expected: Expected, reply: string, config: LabelerConfig = DEFAULT_LABELER): Label {
  const correct = checkAnswer(expected, reply);
  const p = politeness(reply);
  const b = brevity(reply, config);
  const w = config.weights;
  const score = w.correct * (correct ? 1 : 0) + w.polite * p + w.brief * b;
  return { score: Math.round(score * 1e6) / 1e6, correct, politeness: p, brevity: b };
}

/** The labeler's choice between two replies. */
export interface Preference {
  /** 0 when the first reply is preferred, 1 for the second. */
  preferred: 0 | 1;
  labels: [Label, Label];
}

/**
 * Compares two replies; on equal scores the shorter one wins, then the first.
 *
 *   prefer({ kind: 'number', value: 12 }, 'It is 12.', 'It is 13.').preferred → 0
 */
export function prefer(expected: Expected, a: string, b: string, config: LabelerConfig = DEFAULT_LABELER): Preference {
  const la = labelReply(expected, a, config);
  const lb = labelReply(expected, b, config);
  const second = lb.score > la.score || (lb.score === la.score && words(b).length < words(a).length);
  return { preferred: second ? 1 : 0, labels: [la, lb] };
}

/** How a generated reply is written. */
export interface ReplyStyle {
  /** Gives the expected answer, or a wrong value in its place. */
  correct: boolean;
  tone: 'polite' | 'plain' | 'rude';
  /** Adds filler sentences (hurts brevity). */
  padded: boolean;
}

const FILLER = 'I thought about this question for a long time. There are many things one could say about it, ' +
  'and I hope that this answer helps you.';

/** Replaces the last occurrence: replaceLast('12+12=24', '12', '13') → '12+13=24' */
function replaceLast(text: string, find: string, by: string): string {
  const at = text.lastIndexOf(find);
  return at < 0 ? text : text.slice(0, at) + by + text.slice(at + find.length);
}

/** A wrong value of the same kind: another alternative, or the number moved by 1..9. */
function wrongValue(expected: Expected, rng: Rng): string {
  if (expected.kind === 'number') {
    const step = rng.int(1, 10);
    const down = expected.value - step >= 0 && rng.chance(0.5);
    return String(down ? expected.value - step : expected.value + step);
  }
  const others = expected.alternatives.filter((a) => a.toLowerCase() !== expected.value.toLowerCase());
  assert(others.length > 0, () => `no wrong value for '${expected.value}': its alternatives are only itself`);
  return rng.pick(others);
}

/**
 * The one-sentence answer to a question: the fact's sentence, or 'a+b=result.' for arithmetic.
 *
 *   answerSentence(arithmeticExample(5, '+', 7)) → '5+7=12.'
 */
export function answerSentence(example: QAExample): string {
  if (example.task === 'arithmetic' || example.task === 'calculator') {
    const expr = example.question.replace(/^(What is |Calculate )/, '').replace(/[?.]$/, '');
    return `${expr}=${expectedText(example.expected)}.`;
  }
  const msgs = example.conversation.messages;
  return assistantText(msgs[msgs.length - 1]);
}

/**
 * A reply in a given style, for building preference pairs.
 *
 *   writeReply(arithmeticExample(5, '+', 7), { correct: true, tone: 'polite', padded: false }, rng) → 'Sure! 5+7=12.'
 */
export function writeReply(example: QAExample, style: ReplyStyle, rng: Rng): string {
  let body = answerSentence(example);
  if (!style.correct) body = replaceLast(body, expectedText(example.expected), wrongValue(example.expected, rng));
  const toned = style.tone === 'polite' ? `Sure! ${body}` : style.tone === 'rude' ? `Obviously, ${body}` : body;
  return style.padded ? `${toned} ${FILLER}` : toned;
}

/** A prompt, two replies, and the labeler's preference. */
export interface PreferenceExample {
  task: 'preferences';
  index: number;
  /** The question the replies answer. */
  source: QAExample;
  /** What the reward model reads before each reply. */
  prompt: Conversation;
  replies: [string, string];
  /** The labeler's view of each reply (score and true correctness). */
  labels: [Label, Label];
  /** 0 if replies[0] is preferred, else 1. */
  preferred: 0 | 1;
}

function drawStyle(rng: Rng): ReplyStyle {
  return { correct: rng.chance(0.5), tone: rng.pick(['polite', 'plain', 'rude'] as const), padded: rng.chance(0.3) };
}

/**
 * Preference pairs over facts (train split) and arithmetic questions: two replies in random styles,
 * redrawn until the labeler's scores differ. evaluate(example, answer) reads 'A' or 'B' as a choice
 * of replies[0] or replies[1] and is true when it matches the labeler.
 *
 *   preferenceTask(makeWorld()).example(0)
 *     → { replies: ['Saro is a miller. I thought about this question ...', 'Saro is a fisher.'], preferred: 0, ... }
 */
export function preferenceTask(
  world: World, config: Partial<TaskConfig> = {}, labeler: LabelerConfig = DEFAULT_LABELER,
): Task<PreferenceExample> {
  const c = makeTaskConfig({ seed: world.config.seed, ...config });
  const facts = factsTask(world, { size: c.size, seed: c.seed, split: 'train' });
  const sums = arithmeticTask({ size: c.size, seed: c.seed, digits: 2 });
  const choice = (answer: string): 0 | 1 | undefined => {
    const first = words(answer)[0];
    return first === 'a' ? 0 : first === 'b' ? 1 : undefined;
  };
  return {
    name: 'preferences',
    size: c.size,
    example(i: number): PreferenceExample {
      const r = exampleRng('preferences', c, i);
      const source: QAExample = r.chance(0.5) ? facts.example(r.int(0, c.size)) : sums.example(r.int(0, c.size));
      let replies: [string, string] = ['', ''];
      let pref: Preference | undefined;
      for (
        let tries = 0; tries < 50 && (pref === undefined || pref.labels[0].score === pref.labels[1].score); tries++
      ) {
        replies = [writeReply(source, drawStyle(r), r), writeReply(source, drawStyle(r), r)];
        pref = prefer(source.expected, replies[0], replies[1], labeler);
      }
      return {
        task: 'preferences', index: i, source, prompt: promptFor(source), replies,
        labels: pref!.labels, preferred: pref!.preferred,
      };
    },
    evaluate: (example, answer) => choice(answer) === example.preferred,
    reward: (example, answer) => (choice(answer) === example.preferred ? 1 : 0),
  };
}

/**
 * The labeler's score of a reply to a question, in [0, 1]: the stand-in for human judgment that a
 * reward model is trained to imitate (compare with the task's evaluate, the true score).
 *
 *   labelerReward(arithmeticExample(5, '+', 7), 'Sure! 5+7=12.') → 1
 */
export function labelerReward(example: QAExample, reply: string, config: LabelerConfig = DEFAULT_LABELER): number {
  return labelReply(example.expected, reply, config).score;
}
