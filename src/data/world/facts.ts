// Lesson 11 of the data pipeline: the fact table, the single source of the world's text.
//
// Each entity has a few facts; each fact has one sentence (for documents), one question (for tasks)
// and the expected answer (for scoring). Documents, SFT answers and questions are all read off this
// table, so a question is never asked about a fact the documents state differently.
//
// Left out: paraphrases. One template per fact keeps the vocabulary tiny; a later notebook can add
// paraphrases to show what they do to generalization.

import { assert } from '../../util/assert';
import { Expected } from './answers';
import { COLORS, Entity, JOBS, REGIONS, SPECIES, World, entity } from './world';

/** The kinds of fact; which ones an entity has depends on its kind. */
export type Attribute = 'town' | 'job' | 'age' | 'color' | 'region' | 'founded' | 'species' | 'owner';

/** One fact about one entity. */
export interface Fact {
  /** The entity the fact is about (also the id of the document stating it). */
  entityId: string;
  attribute: Attribute;
  /** The fact as a sentence: 'Zuvek lives in Tamor.' */
  sentence: string;
  /** The fact as a question: 'Where does Zuvek live?' */
  question: string;
  /** What a reply must contain. */
  expected: Expected;
}

/** The attributes of each kind of entity, in the order documents state them. */
export const ATTRIBUTES: Readonly<Record<Entity['kind'], readonly Attribute[]>> = {
  town: ['region', 'founded'],
  person: ['job', 'town', 'age', 'color'],
  animal: ['species', 'color', 'owner'],
};

function word(value: string, alternatives: readonly string[]): Expected {
  return { kind: 'word', value, alternatives };
}

function num(value: number): Expected {
  return { kind: 'number', value };
}

/**
 * One fact about an entity.
 *
 *   fact(makeWorld(), Lulok (person-2, of Zufer), 'town')
 *     → { sentence: 'Lulok lives in Zufer.', question: 'Where does Lulok live?',
 *         expected: { kind: 'word', value: 'Zufer', alternatives: [every town name] } }
 */
export function fact(world: World, e: Entity, attribute: Attribute): Fact {
  assert(ATTRIBUTES[e.kind].includes(attribute),
    () => `a ${e.kind} has no '${attribute}'; its attributes are ${ATTRIBUTES[e.kind].join(', ')}`);
  const n = e.name;
  const make = (sentence: string, question: string, expected: Expected): Fact => ({
    entityId: e.id, attribute, sentence, question, expected,
  });
  const townNames = world.towns.map((t) => t.name);
  const peopleNames = world.people.map((p) => p.name);
  switch (e.kind) {
    case 'town':
      if (attribute === 'region') return make(`${n} is in the ${e.region}.`, `Where is ${n}?`, word(e.region, REGIONS));
      return make(`${n} was founded in ${e.founded}.`, `When was ${n} founded?`, num(e.founded));
    case 'person': {
      if (attribute === 'job') return make(`${n} is a ${e.job}.`, `What is the job of ${n}?`, word(e.job, JOBS));
      if (attribute === 'town') {
        const town = entity(world, e.town).name;
        return make(`${n} lives in ${town}.`, `Where does ${n} live?`, word(town, townNames));
      }
      if (attribute === 'age') return make(`${n} is ${e.age} years old.`, `How old is ${n}?`, num(e.age));
      return make(`${n} likes the color ${e.color}.`, `What color does ${n} like?`, word(e.color, COLORS));
    }
    case 'animal': {
      if (attribute === 'species') return make(`${n} is a ${e.species}.`, `What kind of animal is ${n}?`,
        word(e.species, SPECIES));
      if (attribute === 'color') return make(`${n} is ${e.color}.`, `What color is ${n}?`, word(e.color, COLORS));
      const owner = entity(world, e.owner).name;
      return make(`${n} belongs to ${owner}.`, `Who owns ${n}?`, word(owner, peopleNames));
    }
  }
}

/**
 * All facts about an entity, in document order.
 *
 *   factsOf(makeWorld(), town-0).map((f) => f.sentence) → ['Dusem is in the north.', 'Dusem was founded in 883.']
 */
export function factsOf(world: World, e: Entity): Fact[] {
  return ATTRIBUTES[e.kind].map((a) => fact(world, e, a));
}
