// Lesson 9 of the data pipeline: a small invented world to measure every later stage against.
//
// A real pretraining corpus makes it hard to tell what a model learned from what it already knew.
// So gpt-lab generates a world from a seed: towns, people and animals with invented names (no
// pretrained model has read "Zuvek lives in Tamor") and a handful of attributes each. Every fact is
// one short sentence in one fixed style, and the same fact table yields the pretraining documents,
// the SFT answers, the retrieval store and the questions, so they can never disagree.
//
// Some people and animals are held out: their facts appear only in the document store, never in the
// pretraining text, so a question about them can only be answered by retrieval.
//
// Left out: relations beyond home town and owner, and facts that change over time. The vocabulary is
// small on purpose (ASCII, a few dozen words): a char-level model learns it on a laptop in minutes.

import { assert } from '../../util/assert';
import { Rng, hashSeed, hashString } from '../rng';

export const JOBS = ['baker', 'farmer', 'smith', 'potter', 'weaver', 'miller', 'fisher', 'hunter'] as const;
export const COLORS = ['red', 'blue', 'green', 'white', 'black', 'brown', 'gray', 'yellow'] as const;
export const REGIONS = ['north', 'south', 'east', 'west'] as const;
export const SPECIES = ['cat', 'dog', 'goat', 'horse', 'hen', 'pig', 'duck', 'mule'] as const;

export type Job = (typeof JOBS)[number];
export type Color = (typeof COLORS)[number];
export type Region = (typeof REGIONS)[number];
export type Species = (typeof SPECIES)[number];

/** The size and seed of a world. */
export interface WorldConfig {
  /** Seeds every name and attribute. */
  seed: number;
  /** Number of towns (all of them appear in pretraining). */
  towns: number;
  /** Number of people. */
  people: number;
  /** Number of animals, each owned by a person. */
  animals: number;
  /** Fraction of people and of animals held out of pretraining (only the document store knows them). */
  heldOut: number;
}

export type WorldPreset = 'tiny' | 'small';

/** 'tiny' for tests and quick demos, 'small' for the notebooks. */
export const WORLD_PRESETS: Readonly<Record<WorldPreset, WorldConfig>> = {
  tiny: { seed: 1, towns: 3, people: 8, animals: 4, heldOut: 0.25 },
  small: { seed: 1, towns: 8, people: 60, animals: 40, heldOut: 0.25 },
};

export interface Town {
  kind: 'town';
  /** 'town-0', 'town-1', ...: also the id of its document. */
  id: string;
  name: string;
  region: Region;
  /** A year, 100..999. */
  founded: number;
  /** Always false: towns are common knowledge. */
  heldOut: boolean;
}

export interface Person {
  kind: 'person';
  id: string;
  name: string;
  /** The id of the town the person lives in. */
  town: string;
  job: Job;
  /** Years, 18..79. */
  age: number;
  /** Favorite color. */
  color: Color;
  heldOut: boolean;
}

export interface Animal {
  kind: 'animal';
  id: string;
  name: string;
  species: Species;
  /** Coat or feather color. */
  color: Color;
  /** The id of its owner. */
  owner: string;
  heldOut: boolean;
}

export type Entity = Town | Person | Animal;

/** A generated world; plain data, rebuilt identically from its config. */
export interface World {
  config: WorldConfig;
  towns: Town[];
  people: Person[];
  animals: Animal[];
  /** Every entity by id. */
  byId: ReadonlyMap<string, Entity>;
}

/**
 * Fills defaults (the 'small' preset) and checks the sizes.
 *
 *   makeWorldConfig({ seed: 7 }) → { seed: 7, towns: 8, people: 60, animals: 40, heldOut: 0.25 }
 */
export function makeWorldConfig(overrides: Partial<WorldConfig> = {}, preset: WorldPreset = 'small'): WorldConfig {
  const c = { ...WORLD_PRESETS[preset], ...overrides };
  assert(Number.isSafeInteger(c.seed), () => `world seed ${c.seed} must be an integer`);
  for (const key of ['towns', 'people', 'animals'] as const) {
    assert(Number.isInteger(c[key]) && c[key] >= 1 && c[key] <= 2000,
      () => `world ${key} ${c[key]} must be an integer in 1..2000`);
  }
  assert(c.heldOut >= 0 && c.heldOut < 1, () => `world heldOut ${c.heldOut} must be in [0, 1), e.g. 0.25`);
  assert(c.people - heldOutCount(c.people, c.heldOut) >= 1,
    () => `world heldOut ${c.heldOut} leaves no public person among ${c.people}; lower heldOut or add people`);
  return c;
}

/**
 * How many of n entities are held out (the last ones).
 *
 *   heldOutCount(60, 0.25) → 15,  heldOutCount(8, 0.25) → 2,  heldOutCount(3, 0) → 0
 */
export function heldOutCount(n: number, fraction: number): number {
  return Math.round(n * fraction);
}

const CONSONANTS = 'bdfgklmnprstvz';
const VOWELS = 'aeiou';
const FINALS = 'lmnrk';

/**
 * An invented name: two consonant-vowel syllables and, when `final`, a closing consonant.
 *
 *   inventName(new Rng(1), true) → 'Salan';  inventName(new Rng(1), false) → 'Sala'
 */
export function inventName(rng: Rng, final: boolean): string {
  let s = '';
  for (let k = 0; k < 2; k++) s += rng.pick([...CONSONANTS]) + rng.pick([...VOWELS]);
  if (final) s += rng.pick([...FINALS]);
  return s[0].toUpperCase() + s.slice(1);
}

/** Draws names until one is new; the world's own words are excluded so no name reads as a word. */
function uniqueName(rng: Rng, used: Set<string>, final: boolean): string {
  for (let tries = 0; tries < 10_000; tries++) {
    const name = inventName(rng, final);
    if (!used.has(name.toLowerCase())) {
      used.add(name.toLowerCase());
      return name;
    }
  }
  assert(false, () => `ran out of invented names after ${used.size}; use fewer entities (at most 2000 of each kind)`);
}

/**
 * Builds the world: towns, then people (each in a town), then animals (each with an owner). Public
 * animals have public owners, so no pretraining sentence names a held-out person.
 *
 *   makeWorld(makeWorldConfig({}, 'tiny')).people.length → 8
 */
export function makeWorld(config: WorldConfig = makeWorldConfig()): World {
  const c = makeWorldConfig(config);
  const rng = new Rng(hashSeed(c.seed, hashString('world')));
  const used = new Set<string>([...JOBS, ...COLORS, ...REGIONS, ...SPECIES]);
  const towns: Town[] = [];
  for (let i = 0; i < c.towns; i++) {
    towns.push({
      kind: 'town', id: `town-${i}`, name: uniqueName(rng, used, true), region: rng.pick(REGIONS),
      founded: rng.int(100, 1000), heldOut: false,
    });
  }
  const publicPeople = c.people - heldOutCount(c.people, c.heldOut);
  const people: Person[] = [];
  for (let i = 0; i < c.people; i++) {
    people.push({
      kind: 'person', id: `person-${i}`, name: uniqueName(rng, used, rng.chance(0.5)), town: rng.pick(towns).id,
      job: rng.pick(JOBS), age: rng.int(18, 80), color: rng.pick(COLORS), heldOut: i >= publicPeople,
    });
  }
  const publicAnimals = c.animals - heldOutCount(c.animals, c.heldOut);
  const animals: Animal[] = [];
  for (let i = 0; i < c.animals; i++) {
    const heldOut = i >= publicAnimals;
    const owner = heldOut ? rng.pick(people) : people[rng.int(0, publicPeople)];
    animals.push({
      kind: 'animal', id: `animal-${i}`, name: uniqueName(rng, used, false), species: rng.pick(SPECIES),
      color: rng.pick(COLORS), owner: owner.id, heldOut,
    });
  }
  const byId = new Map<string, Entity>([...towns, ...people, ...animals].map((e) => [e.id, e]));
  return { config: c, towns, people, animals, byId };
}

/** The entity with this id; throws naming the id when there is none. */
export function entity(world: World, id: string): Entity {
  const e = world.byId.get(id);
  assert(e !== undefined, () => `no entity '${id}' in this world (ids look like 'person-3', 'town-0', 'animal-1')`);
  return e;
}

/** Every entity, towns first, then people, then animals. */
export function entities(world: World): Entity[] {
  return [...world.towns, ...world.people, ...world.animals];
}
