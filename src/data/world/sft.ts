// Lesson 17 of the data pipeline: the SFT mixture.
//
// Supervised finetuning turns a document completer into an assistant by showing it conversations.
// The mixture draws each example from one of four tasks, by weight: closed-book facts (train split),
// open-book retrieval (train split), worked arithmetic, and calculator tool use. Like every task it
// is lazy: example i picks its source and its index from (seed, i) alone.
//
// Left out: multi-turn conversations and a system prompt (the world needs neither).

import { assert } from '../../util/assert';
import { hashSeed, hashString } from '../rng';
import { arithmeticTask } from './arithmetic';
import { calculatorTask } from './calculator';
import { factsTask, retrievalTask } from './questions';
import { QAExample, Task, TaskConfig, makeTaskConfig, qaTask } from './task';
import { World } from './world';

/** The tasks an SFT mixture draws from. */
export type SftSource = 'facts' | 'retrieval' | 'arithmetic' | 'calculator';

/** An SFT mixture. */
export interface SftConfig extends TaskConfig {
  /** Relative weight of each source (0 leaves it out). */
  weights: Record<SftSource, number>;
}

/**
 * Picks a key with probability proportional to its weight, from u in [0, 1).
 *
 *   pickWeighted({ a: 1, b: 3 }, 0.2) → 'a';  pickWeighted({ a: 1, b: 3 }, 0.3) → 'b'
 */
export function pickWeighted<K extends string>(weights: Record<K, number>, u: number): K {
  const keys = Object.keys(weights) as K[];
  const total = keys.reduce((s, k) => s + weights[k], 0);
  let acc = 0;
  for (const k of keys) {
    acc += weights[k] / total;
    if (u < acc) return k;
  }
  return keys.filter((k) => weights[k] > 0).pop()!; // u within rounding of 1
}

/**
 * Fills defaults (1000 examples, the world's seed, equal weights) and checks the weights.
 *
 *   makeSftConfig(world, { weights: { facts: 2, retrieval: 1, arithmetic: 1, calculator: 0 } }).size → 1000
 */
export function makeSftConfig(world: World, overrides: Partial<SftConfig> = {}): SftConfig {
  const c: SftConfig = {
    ...makeTaskConfig({ seed: world.config.seed, ...overrides }),
    weights: { facts: 1, retrieval: 1, arithmetic: 1, calculator: 1 },
    ...overrides,
  };
  const ws = Object.entries(c.weights) as [SftSource, number][];
  assert(ws.every(([, w]) => w >= 0 && Number.isFinite(w)),
    () => `sft weights ${JSON.stringify(c.weights)} must be finite and non-negative`);
  assert(ws.some(([, w]) => w > 0),
    () => `sft weights ${JSON.stringify(c.weights)} are all 0; give at least one source a positive weight`);
  return c;
}

/**
 * The SFT mixture; each example keeps its source's task name, so results can be broken down.
 *
 *   sftTask(makeWorld(), { size: 20000 }).example(5).task → 'retrieval'
 */
export function sftTask(world: World, config: Partial<SftConfig> = {}): Task<QAExample> {
  const c = makeSftConfig(world, config);
  const sub = (s: SftSource) => ({ size: c.size, seed: hashSeed(c.seed, hashString(s)) });
  const sources: Record<SftSource, Task<QAExample>> = {
    facts: factsTask(world, { ...sub('facts'), split: 'train' }),
    retrieval: retrievalTask(world, { ...sub('retrieval'), split: 'train' }),
    arithmetic: arithmeticTask(sub('arithmetic')),
    calculator: calculatorTask(sub('calculator')),
  };
  return qaTask('sft', c, (_i, rng) => {
    const source = pickWeighted(c.weights, rng.next());
    return sources[source].example(rng.int(0, c.size));
  });
}
