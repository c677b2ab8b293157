// Lesson 12 of the data pipeline: a task, the shape every stage after pretraining consumes.
//
// As in nanochat, a task is a list of examples that is never materialized: `example(i)` builds
// example i from (seed, i) alone, so a task of 300,000 examples costs nothing until one is read, and
// the same (seed, i) gives the same example on any machine. `evaluate(example, answer)` scores a
// model's free-text answer; `reward(example, answer)` is the number RL maximizes, built on evaluate.
//
// Left out: the tasks themselves (facts, arithmetic, calculator, sft, preferences each have a file).

import { assert } from '../../util/assert';
import { Conversation, assistantText, promptOf } from '../conversation';
import { Rng, hashSeed, hashString } from '../rng';
import { Expected, checkAnswer } from './answers';

/** The tasks of the world. */
export type TaskName = 'facts' | 'retrieval' | 'arithmetic' | 'calculator' | 'sft' | 'preferences';

/** Lazily generated, index-addressable examples with a scorer. */
export interface Task<E, Score extends boolean | number = boolean> {
  readonly name: TaskName;
  /** Number of examples: valid indices are 0..size-1. */
  readonly size: number;
  /** Example i, a pure function of (seed, i). */
  example(i: number): E;
  /** Scores a model's answer to the example. */
  evaluate(example: E, answer: string): Score;
  /** The RL reward for the answer, in [0, 1]. */
  reward(example: E, answer: string): number;
}

/** Size and seed, shared by every task. */
export interface TaskConfig {
  /** Number of examples (1..10,000,000); generation is lazy, so size costs nothing. */
  size: number;
  /** Seeds the examples; two seeds give two different example lists. */
  seed: number;
}

/** A question with a checkable answer and the ideal conversation for it. */
export interface QAExample {
  /** The task that made it. */
  task: TaskName;
  /** Its index in that task. */
  index: number;
  /** The question as the user asks it (without any retrieved context). */
  question: string;
  /** What a right reply contains. */
  expected: Expected;
  /** The user's message and the ideal assistant reply (SFT trains on it; promptOf gives the prompt). */
  conversation: Conversation;
}

/**
 * Fills the default size (1000) and checks both fields.
 *
 *   makeTaskConfig({ seed: 3 }) → { size: 1000, seed: 3 }
 */
export function makeTaskConfig(overrides: Partial<TaskConfig> = {}): TaskConfig {
  const c = { size: 1000, seed: 0, ...overrides };
  assert(Number.isInteger(c.size) && c.size >= 1 && c.size <= 10_000_000,
    () => `task size ${c.size} must be an integer in 1..10,000,000`);
  assert(Number.isSafeInteger(c.seed), () => `task seed ${c.seed} must be an integer`);
  return c;
}

/**
 * The generator for example i of a task: checks i, then seeds from (seed, task name, i) only.
 *
 *   exampleRng('facts', { size: 10, seed: 1 }, 3).next() → the same number on every call
 */
export function exampleRng(task: TaskName, config: TaskConfig, i: number): Rng {
  assert(Number.isInteger(i) && i >= 0 && i < config.size,
    () => `${task}: example index ${i} is outside 0..${config.size - 1}; raise size or use a smaller index`);
  return new Rng(hashSeed(config.seed, hashString(task), i));
}

/**
 * A question-answering task from an example maker: evaluate checks the reply with checkAnswer, and
 * the reward is 1 for a right reply, 0 otherwise.
 */
export function qaTask<E extends QAExample>(
  name: TaskName, config: TaskConfig, make: (i: number, rng: Rng) => E,
): Task<E> {
  const c = makeTaskConfig(config);
  return {
    name,
    size: c.size,
    example: (i) => make(i, exampleRng(name, c, i)),
    evaluate: (example, answer) => checkAnswer(example.expected, answer),
    reward: (example, answer) => (checkAnswer(example.expected, answer) ? 1 : 0),
  };
}

/**
 * The ideal reply's text (the final assistant message, tool traffic left out).
 *
 *   referenceAnswer(example of 'What is 347+85?') → '7+5=12, write 2, carry 1.\n...\n#### 432'
 */
export function referenceAnswer(example: QAExample): string {
  const msgs = example.conversation.messages;
  return assistantText(msgs[msgs.length - 1]);
}

/** The conversation a model is given: everything but the ideal reply. */
export function promptFor(example: QAExample): Conversation {
  return promptOf(example.conversation);
}

/**
 * The first n examples of a task (for tables in notebooks and for tests).
 *
 *   take(task, 3) → [task.example(0), task.example(1), task.example(2)]
 */
export function take<E>(task: Task<E, boolean | number>, n: number): E[] {
  const count = Math.min(n, task.size);
  return Array.from({ length: count }, (_, i) => task.example(i));
}
