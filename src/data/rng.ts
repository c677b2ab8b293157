// Seeded randomness for the data pipeline.
//
// Everything random in src/data (batch offsets, epoch shuffles, the generated world and its tasks)
// draws from this file, so a seed fixes every byte of every batch and every example. Two ideas:
//
// - `Rng` is mulberry32, a 32-bit generator: tiny, fast, and good enough for sampling data (not for
//   cryptography).
// - `hashSeed(seed, ...)` mixes a seed with indices into a fresh 32-bit seed. That is what makes
//   lazy, index-addressable generation work: example i of a task uses `new Rng(hashSeed(seed, salt,
//   i))`, so it never depends on examples 0..i-1 having been generated first.
//
// Left out: floats with more than 32 random bits, and distributions beyond uniform and weighted picks.

import { assert } from '../util/assert';

/**
 * Scrambles a 32-bit integer so that nearby inputs give unrelated outputs (a murmur3-style finalizer).
 *
 *   mix32(0) → 0,  mix32(1) → 1753845952,  mix32(2) → 3507691905
 */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A 32-bit hash of a string (FNV-1a), to turn names into seed salts.
 *
 *   hashString('') → 2166136261,  hashString('facts') → 453547940
 */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Combines a seed and any number of integer parts (indices, salts) into one 32-bit seed. Order
 * matters, and parts may be any safe integer (the high bits are mixed in too).
 *
 *   hashSeed(1, 0) → 2859599292,  hashSeed(1, 1) → 791845370,  hashSeed(0, 1) → 2788192645
 */
export function hashSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    assert(Number.isSafeInteger(p), () => `hashSeed: part ${p} is not a safe integer; pass integer seeds and indices`);
    const lo = p >>> 0;
    const hi = Math.floor(p / 0x100000000) >>> 0;
    h = mix32((h ^ mix32(lo)) + 0x6d2b79f5);
    h = mix32((h ^ mix32(hi + 0x85ebca6b)) + 0x6d2b79f5);
  }
  return h;
}

/**
 * mulberry32: a seeded generator of uniform numbers in [0, 1).
 *
 *   const rng = new Rng(42);  rng.next() → 0.711895985994488;  rng.int(0, 10) → 9
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    assert(Number.isSafeInteger(seed),
      () => `Rng: seed ${seed} is not a safe integer; pass an integer seed such as 1337`);
    this.state = hashSeed(seed);
  }

  /** A uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform integer in [lo, hi), like Python's randrange(lo, hi). */
  int(lo: number, hi: number): number {
    assert(Number.isSafeInteger(lo) && Number.isSafeInteger(hi) && hi > lo,
      () => `Rng.int: need integers lo < hi, got lo=${lo}, hi=${hi}`);
    return lo + Math.floor(this.next() * (hi - lo));
  }

  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, () => 'Rng.pick: the array is empty; pass at least one item');
    return items[this.int(0, items.length)];
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Shuffles in place (Fisher-Yates) and returns the same array. */
  shuffle<T, A extends { length: number; [i: number]: T }>(items: A): A {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }
}
