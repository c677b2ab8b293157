// Lesson 5 of prompting techniques: "trick the base model into being an assistant" with few-shot prompts.
//
// A base model only continues documents. Shown a document that is a list of questions each followed
// by its answer, and ending with a new question and an open answer, the likeliest continuation is
// that question's answer. The examples come from the task world's own tasks (their reference
// answers, worked steps included), so the prompt shows the format the scorer reads:
//
//   Question: What is 12+34?
//   Answer: 2+4=6, write 6.
//   1+3=4, write 4.
//   #### 46
//
//   Question: What is 347+85?
//   Answer:
//
// The prompt ends right after 'Answer:' (no space): a BPE tokenizer usually joins a space to the
// next word, so leaving it to the model keeps the continuation's first token an ordinary one. A
// blank line ends each answer; cutAtStop cuts a completion there.
//
// Left out: choosing examples by similarity to the question (retrieval does that in notebook 08).

import { assert } from '../util/assert';
import { Rng, hashSeed, hashString } from '../data/rng';
import { QAExample, Task, referenceAnswer } from '../data/world/task';

/** Ends every answer of a few-shot document; a completion is cut at its first occurrence. */
export const FEW_SHOT_STOP = '\n\n';

/** A worked example of the prompt: a question and the answer the model should imitate. */
export interface Shot {
  question: string;
  answer: string;
}

/**
 * A task example as a shot: its question and its reference answer.
 *
 *   shotOf(arithmeticExample(12, '+', 34))
 *     → { question: 'What is 12+34?', answer: '2+4=6, write 6.\n1+3=4, write 4.\n#### 46' }
 */
export function shotOf(example: QAExample): Shot {
  return { question: example.question, answer: referenceAnswer(example) };
}

/**
 * The few-shot document: each shot as 'Question: ...\nAnswer: ...', blank lines between, then the
 * question with an open 'Answer:'. No shots gives the zero-shot form.
 *
 *   fewShotPrompt([{ question: 'Where is Dusem?', answer: 'Dusem is in the north.' }], 'Where is Fofum?')
 *     → 'Question: Where is Dusem?\nAnswer: Dusem is in the north.\n\nQuestion: Where is Fofum?\nAnswer:'
 */
export function fewShotPrompt(shots: readonly Shot[], question: string): string {
  for (const s of shots) {
    assert(!s.answer.includes(FEW_SHOT_STOP) && !s.question.includes(FEW_SHOT_STOP),
      () => `fewShotPrompt: the shot '${s.question}' contains a blank line, which ends an answer; ` +
        'write it without one');
  }
  const parts = shots.map((s) => `Question: ${s.question}\nAnswer: ${s.answer}`);
  return [...parts, `Question: ${question}\nAnswer:`].join(FEW_SHOT_STOP);
}

/**
 * `count` distinct examples of a task, drawn by a seed, none asking `avoid` (the question being
 * asked, so the prompt never holds its own answer).
 *
 *   pickShots(arithmeticTask({ digits: 2 }), 3, 1, 'What is 12+34?') → 3 examples, the same for seed 1 every time
 */
export function pickShots<E extends QAExample>(task: Task<E>, count: number, seed: number, avoid = ''): E[] {
  assert(Number.isInteger(count) && count >= 0, () => `pickShots: count ${count} must be a non-negative integer`);
  const rng = new Rng(hashSeed(seed, hashString('few-shot')));
  const shots: E[] = [];
  const seen = new Set<string>([avoid]);
  for (let tries = 0; shots.length < count && tries < 100 * (count + 1); tries++) {
    const e = task.example(rng.int(0, task.size));
    if (seen.has(e.question)) continue;
    seen.add(e.question);
    shots.push(e);
  }
  assert(shots.length === count,
    () => `pickShots: found only ${shots.length} distinct questions of ${count} in task '${task.name}' ` +
      `(size ${task.size}); use a bigger task`);
  return shots;
}

/**
 * A completion of a few-shot prompt up to the end of its answer (the first blank line), trimmed.
 *
 *   cutAtStop(' Dusem is in the north.\n\nQuestion: Where') → 'Dusem is in the north.'
 */
export function cutAtStop(completion: string): string {
  const at = completion.indexOf(FEW_SHOT_STOP);
  return (at < 0 ? completion : completion.slice(0, at)).trim();
}
