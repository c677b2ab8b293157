// Lesson 7 of retrieval: questions to retrieve for, in the documents' words and in other words.
//
// The world's questions reuse the documents' vocabulary ('What is the job of Forum?' against
// 'Forum is a fisher.') and name an invented entity, which BM25 matches exactly; that makes word
// overlap strong. The paraphrased set asks the same facts in words that, apart from the entity's
// name, share no word with the fact's sentence ('What does Forum do for work?'): the name still
// narrows the search to the entity's facts, but only meaning can pick the right fact among them.
// That is where a trained dense encoder can beat BM25.
//
// Questions are about held-out entities (no training text states their facts), one per fact, in
// the split of src/data/world/questions.ts, each with the span of its fact for recall@k.
//
// Left out: paraphrases of the entity's name (misspellings, pronouns), and more than one wording
// per fact.

import { assert } from '../util/assert';
import { Expected } from '../data/world/answers';
import { Attribute, Fact } from '../data/world/facts';
import { FactSplit, factPool } from '../data/world/questions';
import { Entity, World, entity } from '../data/world/world';
import { Span, factId, factSpans } from './chunk';

/** How a question is worded. */
export type Wording = 'literal' | 'paraphrased';

/** A question to retrieve for. */
export interface RetrievalQuestion {
  /** The fact asked about: 'person-50/job'. */
  factId: string;
  question: string;
  expected: Expected;
  /** Where the answer is stated. */
  span: Span;
}

/** Paraphrase templates: the name goes where NAME is. None shares a word with its fact's sentence. */
const PARAPHRASES: Readonly<Record<Entity['kind'], Partial<Record<Attribute, string>>>> = {
  town: { region: 'Which compass direction locates NAME?', founded: 'What year did NAME first appear?' },
  person: {
    job: 'What does NAME do for work?', town: 'Which place is home to NAME?',
    age: 'What age has NAME reached?', color: 'Which hue does NAME prefer?',
  },
  animal: {
    species: 'What sort of creature would NAME be?', color: 'Which shade does the coat of NAME have?',
    owner: 'Whose pet would NAME be?',
  },
};

/**
 * A fact's question in other words.
 *
 *   paraphrase(world, fact 'Forum is a fisher.') → 'What does Forum do for work?'
 */
export function paraphrase(world: World, f: Fact): string {
  const e = entity(world, f.entityId);
  const template = PARAPHRASES[e.kind][f.attribute];
  assert(template !== undefined, () => `no paraphrase for a ${e.kind}'s '${f.attribute}'; add one to PARAPHRASES`);
  return template.replace('NAME', e.name);
}

/**
 * One question per fact of the held-out entities in a split, worded literally (the task world's own
 * question) or paraphrased.
 *
 *   retrievalQuestions(makeWorld(), 'paraphrased', 'test')[0]
 *     → { factId: 'person-46/job', question: 'What does Zevim do for work?', ... }
 */
export function retrievalQuestions(world: World, wording: Wording, split: FactSplit = 'all'): RetrievalQuestion[] {
  const spans = factSpans(world);
  return factPool(world, true, split).map((f) => ({
    factId: factId(f),
    question: wording === 'literal' ? f.question : paraphrase(world, f),
    expected: f.expected,
    span: spans.get(factId(f))!,
  }));
}
