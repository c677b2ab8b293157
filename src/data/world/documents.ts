// Lesson 15 of the data pipeline: the world as text.
//
// Two collections of documents come from the fact table:
//   - the document store: one document per entity, all facts in a fixed order, held-out entities
//     included. Retrieval searches it; each retrieval question names the id of its document.
//   - the pretraining corpus: lazily generated, index-addressable documents about the public
//     entities only (the first ones state all facts of one entity each, so a corpus as large as the
//     public world covers every public fact; later ones restate a shuffled subset), mixed with worked
//     arithmetic so pretraining also teaches the step format that chain of thought relies on.
//
// Left out: documents about several entities at once, and noise (typos, paraphrases).

import { assert } from '../../util/assert';
import { Rng, hashSeed, hashString } from '../rng';
import { arithmeticExample, arithmeticText, drawArithmetic } from './arithmetic';
import { factsOf } from './facts';
import { Entity, World, entities } from './world';

/** A document of the store. */
export interface Doc {
  /** The entity's id ('person-3'), cited by retrieval questions. */
  id: string;
  /** The entity's name. */
  title: string;
  /** Its facts as sentences. */
  text: string;
}

/** One pretraining document. */
export type PretrainDoc =
  | { kind: 'entity'; entityId: string; text: string }
  | { kind: 'arithmetic'; text: string };

/** The pretraining corpus: `document(i)` for i in 0..size-1. */
export interface Corpus {
  size: number;
  document(i: number): PretrainDoc;
}

/** What the pretraining corpus holds. */
export interface CorpusConfig {
  /** Number of documents (1..10,000,000). */
  size: number;
  /** Seeds the choice and order of facts. */
  seed: number;
  /** Fraction of documents (beyond the first pass over the entities) that are worked arithmetic. */
  arithmetic: number;
  /** Operand digits of that arithmetic. */
  arithmeticDigits: number;
}

/**
 * The store's document for an entity: its facts in document order.
 *
 *   entityDocument(world, world.towns[0])
 *     → { id: 'town-0', title: 'Dusem', text: 'Dusem is in the north. Dusem was founded in 883.' }
 *   (world = makeWorld(), the 'small' preset with seed 1, in this and the examples below)
 */
export function entityDocument(world: World, e: Entity): Doc {
  return { id: e.id, title: e.name, text: factsOf(world, e).map((f) => f.sentence).join(' ') };
}

/**
 * Every entity's document, held-out ones included: what a retriever searches.
 *
 *   documentStore(world).length → towns + people + animals
 */
export function documentStore(world: World): Doc[] {
  return entities(world).map((e) => entityDocument(world, e));
}

/**
 * The entities pretraining may mention: all towns, and the people and animals not held out.
 *
 *   publicEntities(world).every((e) => !e.heldOut) → true
 */
export function publicEntities(world: World): Entity[] {
  return entities(world).filter((e) => !e.heldOut);
}

/**
 * Retrieved documents and a question, as one user message.
 *
 *   contextPrompt([{ id: 'town-0', title: 'Dusem', text: 'Dusem is in the north.' }], 'Where is Dusem?')
 *     → 'Document: Dusem is in the north.\nQuestion: Where is Dusem?'
 */
export function contextPrompt(docs: readonly Doc[], question: string): string {
  return [...docs.map((d) => `Document: ${d.text}`), `Question: ${question}`].join('\n');
}

/**
 * Fills defaults (1000 documents, seed 0, 20% arithmetic of 3 digits) and checks them.
 *
 *   makeCorpusConfig({ arithmetic: 0 }) → { size: 1000, seed: 0, arithmetic: 0, arithmeticDigits: 3 }
 */
export function makeCorpusConfig(overrides: Partial<CorpusConfig> = {}): CorpusConfig {
  const c: CorpusConfig = { size: 1000, seed: 0, arithmetic: 0.2, arithmeticDigits: 3, ...overrides };
  assert(Number.isInteger(c.size) && c.size >= 1 && c.size <= 10_000_000,
    () => `corpus size ${c.size} must be an integer in 1..10,000,000`);
  assert(Number.isSafeInteger(c.seed), () => `corpus seed ${c.seed} must be an integer`);
  assert(c.arithmetic >= 0 && c.arithmetic <= 1, () => `corpus arithmetic fraction ${c.arithmetic} must be in [0, 1]`);
  assert(Number.isInteger(c.arithmeticDigits) && c.arithmeticDigits >= 1 && c.arithmeticDigits <= 9,
    () => `corpus arithmeticDigits ${c.arithmeticDigits} must be in 1..9`);
  return c;
}

/**
 * The pretraining corpus of a world. Document i < (number of public entities) states every fact of
 * public entity i; later documents are worked arithmetic (with probability config.arithmetic) or a
 * shuffled subset (at least two facts) of a random public entity's facts.
 *
 *   pretrainingCorpus(world, { size: 500 }).document(0).text → 'Dusem is in the north. Dusem was founded in 883.'
 */
export function pretrainingCorpus(world: World, config: Partial<CorpusConfig> = {}): Corpus {
  const c = makeCorpusConfig(config);
  const pub = publicEntities(world);
  return {
    size: c.size,
    document(i: number): PretrainDoc {
      assert(Number.isInteger(i) && i >= 0 && i < c.size,
        () => `corpus: document index ${i} is outside 0..${c.size - 1}`);
      if (i < pub.length) return { kind: 'entity', entityId: pub[i].id, text: entityDocument(world, pub[i]).text };
      const rng = new Rng(hashSeed(c.seed, hashString('corpus'), i));
      if (rng.chance(c.arithmetic)) {
        const [a, op, b] = drawArithmetic(rng, c.arithmeticDigits, ['+', '*']);
        return { kind: 'arithmetic', text: arithmeticText(arithmeticExample(a, op, b)) };
      }
      const e = rng.pick(pub);
      const facts = rng.shuffle(factsOf(world, e));
      const keep = rng.int(Math.min(2, facts.length), facts.length + 1);
      return { kind: 'entity', entityId: e.id, text: facts.slice(0, keep).map((f) => f.sentence).join(' ') };
    },
  };
}

/**
 * The texts of documents 0..n-1, one at a time (feed to packDocuments).
 *
 *   packDocuments(corpusTexts(corpus), encode, { eotId, vocabSize })
 */
export function* corpusTexts(corpus: Corpus, n = corpus.size): Generator<string> {
  for (let i = 0; i < Math.min(n, corpus.size); i++) yield corpus.document(i).text;
}
