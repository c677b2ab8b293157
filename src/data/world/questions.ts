// Lesson 16 of the data pipeline: questions about the world, closed-book and open-book.
//
//   - facts: questions about public entities. Pretraining stated the answers; after SFT the model
//     should recall them without help ("closed book").
//   - retrieval: questions about held-out entities. No training text states the answers; the
//     model can only answer from a retrieved document placed in the prompt ("open book"). Each
//     example names its supporting document (docId), so retrieval can be scored on its own.
//
// Both split their question pools into 'train' (for SFT) and 'test' (for evaluation) by a hash of
// the fact, so evaluation asks questions that SFT never showed, about facts pretraining did state.
//
// Left out: the retriever itself (a later notebook: keyword overlap, then embeddings).

import { assert } from '../../util/assert';
import { assistant, say, user } from '../conversation';
import { Rng, hashSeed, hashString } from '../rng';
import { Doc, contextPrompt, documentStore } from './documents';
import { Attribute, Fact, factsOf } from './facts';
import { QAExample, Task, TaskConfig, qaTask } from './task';
import { World, entities } from './world';

/** Which questions a task draws from: the SFT part, the evaluation part, or both. */
export type FactSplit = 'train' | 'test' | 'all';

/** A facts or retrieval task. */
export interface FactsConfig extends TaskConfig {
  /** Which part of the question pool (about 1 fact in 5 is 'test'). */
  split: FactSplit;
  /** Retrieval only: unrelated documents added to the context, shuffled with the right one. */
  distractors: number;
}

/** A question about one fact. */
export interface FactExample extends QAExample {
  entityId: string;
  attribute: Attribute;
  /** The id of the store document that states the answer. */
  docId: string;
}

/**
 * True for the facts kept for evaluation: about 1 in 5, fixed by the world seed and the fact.
 *
 *   isTestFact(world, f) → the same boolean for every task on this world (about 1 fact in 5 is true)
 */
export function isTestFact(world: World, f: Fact): boolean {
  return hashSeed(world.config.seed, hashString(`${f.entityId}/${f.attribute}`)) % 5 === 0;
}

/**
 * The facts a task asks about: public or held-out entities, in a split.
 *
 *   factPool(world, false, 'all').length → every fact of every public entity
 */
export function factPool(world: World, heldOut: boolean, split: FactSplit): Fact[] {
  const pool = entities(world)
    .filter((e) => e.heldOut === heldOut)
    .flatMap((e) => factsOf(world, e))
    .filter((f) => split === 'all' || isTestFact(world, f) === (split === 'test'));
  assert(pool.length > 0,
    () => `no ${heldOut ? 'held-out' : 'public'} facts in split '${split}' of this world; ` +
      `use a bigger world (more people) or split 'all'`);
  return pool;
}

/**
 * Fills defaults (1000 examples, the world's seed, split 'all', no distractors) and checks them.
 *
 *   makeFactsConfig(world, { split: 'test' })
 *     → { size: 1000, seed: world.config.seed, split: 'test', distractors: 0 }
 */
export function makeFactsConfig(world: World, overrides: Partial<FactsConfig> = {}): FactsConfig {
  const c: FactsConfig = { size: 1000, seed: world.config.seed, split: 'all', distractors: 0, ...overrides };
  assert(Number.isInteger(c.distractors) && c.distractors >= 0,
    () => `distractors ${c.distractors} must be a non-negative integer`);
  return c;
}

/**
 * Fact f as example i of a task: the question (asked as userText), its expected value, and the
 * conversation whose ideal reply is the fact's sentence.
 */
export function factExample(task: 'facts' | 'retrieval', i: number, f: Fact, userText: string): FactExample {
  return {
    task, index: i, question: f.question, expected: f.expected,
    conversation: { messages: [user(userText), assistant(say(f.sentence))] },
    entityId: f.entityId, attribute: f.attribute, docId: f.entityId,
  };
}

/**
 * Closed-book questions about public entities; the ideal reply is the fact's sentence.
 *
 *   factsTask(makeWorld()).example(0).conversation.messages
 *     → [user('Where is Fofum?'), assistant(say('Fofum is in the east.'))]
 */
export function factsTask(world: World, config: Partial<FactsConfig> = {}): Task<FactExample> {
  const c = makeFactsConfig(world, config);
  const pool = factPool(world, false, c.split);
  return qaTask('facts', c, (i, rng) => {
    const f = rng.pick(pool);
    return factExample('facts', i, f, f.question);
  });
}

/** The supporting document and `count` distractors, shuffled. */
function retrievedDocs(store: readonly Doc[], docId: string, count: number, rng: Rng): Doc[] {
  const support = store.find((d) => d.id === docId)!;
  const others = rng.shuffle(store.filter((d) => d.id !== docId)).slice(0, count);
  return rng.shuffle([support, ...others]);
}

/**
 * Open-book questions about held-out entities: the user message holds the supporting document (and
 * config.distractors others) before the question; `question` alone is the closed-book form.
 *
 *   retrievalTask(makeWorld()).example(0).conversation.messages[0]
 *     → user('Document: Forum is a fisher. Forum lives in Foden. ...\nQuestion: What is the job of Forum?')
 */
export function retrievalTask(world: World, config: Partial<FactsConfig> = {}): Task<FactExample> {
  const c = makeFactsConfig(world, config);
  const pool = factPool(world, true, c.split);
  const store = documentStore(world);
  return qaTask('retrieval', c, (i, rng) => {
    const f = rng.pick(pool);
    return factExample('retrieval', i, f,
      contextPrompt(retrievedDocs(store, f.entityId, c.distractors, rng), f.question));
  });
}
