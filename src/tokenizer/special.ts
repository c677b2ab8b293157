// Lesson 6 of the tokenizer: special tokens.
//
// A special token such as `<|endoftext|>` is a single id with no bytes learned for it: it marks a
// boundary (end of a document, a chat turn) that ordinary text can never produce. That last part is the
// subtle one: if any text containing "<|endoftext|>" became the special id, a user could forge
// document boundaries by typing it. So gpt-lab follows tiktoken's rule:
//   - `allowedSpecial` ('all' or a set of names): these become their special id;
//   - `disallowedSpecial` ('all' by default, meaning every special token not allowed): finding one of
//     these in the text is an error;
//   - special tokens in neither set are encoded as ordinary text.
//
// Left out: the BPE itself. This file only finds special tokens in text and checks the id table.

import { assert } from '../util/assert';

/** Which special tokens `encode` turns into their id, or refuses: 'all' or a set of names. */
export type SpecialSet = 'all' | ReadonlySet<string>;

/** Options of `Tokenizer.encode`. */
export interface EncodeOptions {
  /** Special tokens encoded as their id; default: none. */
  allowedSpecial?: SpecialSet;
  /** Special tokens that are an error in the text; default 'all' (every one not allowed). */
  disallowedSpecial?: SpecialSet;
}

/**
 * A regex matching any of the names (longest first, so `<|a|>` loses to `<|a|>x` where both fit).
 * Built once per set of names and shared, so it comes back with `lastIndex` reset to 0.
 *
 *   specialRegex(['<|endoftext|>']) → /<\|endoftext\|>/gu
 */
export function specialRegex(names: Iterable<string>): RegExp {
  const sorted = [...names].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
  const key = sorted.join('\u0000');
  let re = regexCache.get(key);
  if (re === undefined) {
    if (regexCache.size >= 64) regexCache.clear();
    re = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|'), 'gu');
    regexCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

const regexCache = new Map<string, RegExp>();

/**
 * Cuts text around special tokens: ordinary text at even positions, special tokens at odd ones.
 *
 *   splitOnSpecials('a<|endoftext|>b', /<\|endoftext\|>/g) → ['a', '<|endoftext|>', 'b']
 */
export function splitOnSpecials(text: string, re: RegExp): string[] {
  const parts: string[] = [];
  let at = 0;
  for (const m of text.matchAll(re)) {
    parts.push(text.slice(at, m.index), m[0]);
    at = m.index! + m[0].length;
  }
  parts.push(text.slice(at));
  return parts;
}

/**
 * The special tokens `encode` turns into ids, and those it refuses, following tiktoken's rule.
 *
 *   resolveSpecial(['<|a|>', '<|b|>'], { allowedSpecial: new Set(['<|a|>']) })
 *   → { allowed: Set { '<|a|>' }, disallowed: Set { '<|b|>' } }
 */
export function resolveSpecial(
  names: readonly string[], options: EncodeOptions,
): { allowed: Set<string>; disallowed: Set<string> } {
  const allowed = expand(options.allowedSpecial ?? new Set(), names, 'allowedSpecial');
  const disallowed = expand(options.disallowedSpecial ?? 'all', names, 'disallowedSpecial');
  if (options.disallowedSpecial === undefined || options.disallowedSpecial === 'all')
    for (const a of allowed) disallowed.delete(a);
  return { allowed, disallowed };
}

/** 'all' → every name; a set → itself, after checking each name is a special token. */
function expand(set: SpecialSet, names: readonly string[], option: string): Set<string> {
  if (set === 'all') return new Set(names);
  for (const s of set) {
    assert(names.includes(s), () => `${option} names '${s}', which is not a special token of this tokenizer; ` +
      `its special tokens are: ${names.join(', ') || '(none)'}`);
  }
  return new Set(set);
}

/**
 * Throws when the text contains a disallowed special token, naming it and the two ways out.
 *
 *   checkDisallowed('hi <|endoftext|>', new Set(['<|endoftext|>'])) → throws GptLabError
 */
export function checkDisallowed(text: string, disallowed: ReadonlySet<string>): void {
  if (disallowed.size === 0) return;
  const m = specialRegex(disallowed).exec(text);
  assert(m === null, () => `the text contains the special token '${m![0]}' at index ${m!.index}: allow it ` +
    `(allowedSpecial: 'all' or a set with it; CLI: --allowed-special all) to encode it as its special id, or ` +
    'disallow nothing (disallowedSpecial: new Set(); CLI: --disallowed-special none) to encode it as ordinary text');
}

/**
 * Checks a special-token table against the learned vocabulary: ids must be integers, unused by any
 * learned token (`isLearned(id)` false) and used once.
 *
 *   checkSpecialTokens(new Map([['<|endoftext|>', 100]]), (id) => id < 256)
 *     → throws: id 100 collides with a learned token
 */
export function checkSpecialTokens(specials: ReadonlyMap<string, number>, isLearned: (id: number) => boolean): void {
  const byId = new Map<number, string>();
  for (const [name, id] of specials) {
    assert(name.length > 0, () => 'a special token cannot be the empty string');
    assert(Number.isInteger(id) && id >= 0 && id < MAX_ID,
      () => `special token '${name}' has id ${id}; ids are integers in 0..${MAX_ID - 1}`);
    assert(!isLearned(id), () => `special token '${name}' has id ${id}, which collides with a learned token; ` +
      'give it an id that no learned token uses (the ids after the learned vocabulary are free)');
    const other = byId.get(id);
    assert(other === undefined,
      () => `special tokens '${other}' and '${name}' share the id ${id}; give each its own id`);
    byId.set(id, name);
  }
}

/** Ids stay below 2^21 (two million): the long-chunk merge packs an id and a position in one number. */
export const MAX_ID = 2 ** 21;
