// Lesson 13 of prompting techniques: "sampling many things", where a base model can beat an assistant.
//
// Ask a model for a new name many times and count what comes back: how many distinct names, and how
// many of those the world never had (novel). A base model samples the spread of its documents; SFT and
// RLHF sharpen the distribution toward a few favourite replies, so their lists repeat themselves.
// The name of a completion is its first capitalised word.
//
// Left out: judging whether a novel name is a good one (it only has to be new and well formed).

import { ChatTokenizer } from '../data/char-tokenizer';
import { GPT } from '../model';
import { continueBatch } from '../sample/chat';

/**
 * The first capitalised word of a text, or undefined.
 *
 *   firstName(' Dusem is in the north.') → 'Dusem';  firstName('is it?') → undefined
 */
export function firstName(text: string): string | undefined {
  const m = /\b[A-Z][a-z]+\b/.exec(text);
  return m === null ? undefined : m[0];
}

/** How varied and how new a list of sampled names is. */
export interface ListStats {
  samples: number;
  /** Samples that gave a name at all. */
  named: number;
  /** Distinct names. */
  distinct: number;
  /** Distinct names not among `known`. */
  novel: number;
}

/**
 * Counts a list of sampled names (undefined: the sample gave none).
 *
 *   listStats(['Dusem', 'Dusem', 'Kaber', undefined], new Set(['Dusem']))
 *     → { samples: 4, named: 3, distinct: 2, novel: 1 }
 */
export function listStats(names: readonly (string | undefined)[], known: ReadonlySet<string>): ListStats {
  const given = names.filter((n): n is string => n !== undefined);
  const distinct = new Set(given);
  return {
    samples: names.length, named: given.length, distinct: distinct.size,
    novel: [...distinct].filter((n) => !known.has(n)).length,
  };
}

/**
 * The first name of `count` documents a model starts from nothing (after <|endoftext|>, as every
 * pretraining document does), sampled at temperature 1.
 *
 *   sampleFirstNames(base.model, base.tok, 4, 1) → ['Dusem', 'Kaber', 'Tafa', undefined]
 */
export function sampleFirstNames(
  model: GPT, tok: ChatTokenizer, count: number, seed: number, maxTokens = 8,
): (string | undefined)[] {
  const eot = tok.special('<|endoftext|>');
  const rows = continueBatch(
    model, Array.from({ length: count }, () => [eot]), { stop: [eot], maxTokens, temperature: 1, seed });
  return rows.map((r) => firstName(tok.decode(r.ids.filter((id) => !tok.isSpecial(id)))));
}
