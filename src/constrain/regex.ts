// Constrained decoding, step 1: a regular expression parsed into a tree.
//
// The subset: literals, escapes (\d \w \s and their negations, \n \t \r, \xHH, \uHHHH, an escaped
// punctuation character), classes [a-z0-9_] and [^"], '.', the quantifiers ? * + {m} {m,} {m,n},
// alternation | and groups ( ) or (?: ). A pattern always matches the whole output, so ^ and $ are
// refused rather than silently ignored.
//
// subtle: characters are UTF-16 code units (what charCodeAt gives), the same unit the token strings are
// walked in (src/constrain/token-index.ts), so the two always agree; a character outside the BMP is two units.
// Left out: backreferences, lookaround, lazy quantifiers, Unicode property classes, flags.

import { assert } from '../util/assert';

/** An inclusive range of code units. */
export type CharRange = [number, number];

/** The parsed pattern. */
export type RegexNode =
  | { kind: 'set'; ranges: CharRange[] } // one character from the ranges
  | { kind: 'seq'; items: RegexNode[] } // each in turn (empty: the empty string)
  | { kind: 'alt'; options: RegexNode[] } // any one of them
  | { kind: 'repeat'; node: RegexNode; min: number; max: number }; // min..max copies (max may be Infinity)

/** The largest code unit. */
export const MAX_CHAR = 0xffff;

const DIGIT: CharRange[] = [[48, 57]];
const WORD: CharRange[] = [[48, 57], [65, 90], [95, 95], [97, 122]];
const SPACE: CharRange[] = [[9, 13], [32, 32], [160, 160], [0x2028, 0x2029], [0xfeff, 0xfeff]];
/** '.' as in JavaScript: anything but line terminators. */
const DOT_EXCLUDES: CharRange[] = [[10, 10], [13, 13], [0x2028, 0x2029]];

/**
 * Sorts and merges ranges.
 *
 *   normalizeRanges([[5, 9], [1, 3], [4, 4]]) → [[1, 9]]
 */
export function normalizeRanges(ranges: CharRange[]): CharRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: CharRange[] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/**
 * Every code unit not in the ranges.
 *
 *   complementRanges([[0, 9], [20, 0xffff]]) → [[10, 19]]
 */
export function complementRanges(ranges: CharRange[]): CharRange[] {
  const out: CharRange[] = [];
  let next = 0;
  for (const [lo, hi] of normalizeRanges(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CHAR) out.push([next, MAX_CHAR]);
  return out;
}

/**
 * Escapes a string so the pattern matches it literally.
 *
 *   escapeRegex('{"a": 1}') → '\\{"a": 1\\}'
 */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}\-/]/g, (c) => `\\${c}`);
}

/**
 * Parses a pattern of the subset above.
 *
 *   parseRegex('a|b*')
 *     → { kind: 'alt', options: [{ kind: 'seq', items: [set a] }, { kind: 'seq', items: [repeat(set b, 0, ∞)] }] }
 */
export function parseRegex(pattern: string): RegexNode {
  let pos = 0;
  const fail = (why: string): never => {
    assert(false,
      () => `regex '${pattern}': ${why} at position ${pos}; supported: literals, classes, . ? * + {m,n} | ( )`);
    throw new Error('unreachable');
  };
  const code = (c: string) => c.charCodeAt(0);
  const hex = (n: number): number => {
    const h = pattern.slice(pos, pos + n);
    if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) fail(`expected ${n} hex digits after the escape, found '${h}'`);
    pos += n;
    return parseInt(h, 16);
  };
  // An escape after '\' (already consumed): a class or one character.
  const escape = (): CharRange[] => {
    const c = pattern[pos++];
    if (c === undefined) return fail('a trailing backslash');
    const classes: Record<string, CharRange[]> = {
      d: DIGIT, D: complementRanges(DIGIT), w: WORD, W: complementRanges(WORD), s: SPACE, S: complementRanges(SPACE),
    };
    if (c in classes) return classes[c];
    const controls: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, '0': 0 };
    if (c in controls) return [[controls[c], controls[c]]];
    if (c === 'x') { const v = hex(2); return [[v, v]]; }
    if (c === 'u') { const v = hex(4); return [[v, v]]; }
    if (/[a-zA-Z0-9]/.test(c)) fail(`the escape '\\${c}' is not supported`);
    return [[code(c), code(c)]];
  };
  const charClass = (): RegexNode => {
    // '[' consumed
    const negate = pattern[pos] === '^';
    if (negate) pos++;
    const ranges: CharRange[] = [];
    const single = (): CharRange[] => {
      const c = pattern[pos++];
      if (c === undefined) return fail('an unclosed character class');
      return c === '\\' ? escape() : [[code(c), code(c)]];
    };
    while (pattern[pos] !== ']') {
      if (pos >= pattern.length) fail('an unclosed character class');
      const lo = single();
      if (pattern[pos] === '-' && pattern[pos + 1] !== ']' && pattern[pos + 1] !== undefined
        && lo.length === 1 && lo[0][0] === lo[0][1]) {
        pos++;
        const hi = single();
        if (hi.length !== 1 || hi[0][0] !== hi[0][1]) fail('a range ends in a class escape');
        if (hi[0][0] < lo[0][0])
          fail(`the range ${String.fromCharCode(lo[0][0])}-${String.fromCharCode(hi[0][0])} is out of order`);
        ranges.push([lo[0][0], hi[0][0]]);
      } else ranges.push(...lo);
    }
    pos++; // ']'
    if (!negate && ranges.length === 0) fail('an empty class [] matches nothing');
    return { kind: 'set', ranges: negate ? complementRanges(ranges) : normalizeRanges(ranges) };
  };
  const atom = (): RegexNode => {
    const c = pattern[pos++];
    if (c === '(') {
      if (pattern.startsWith('?:', pos)) pos += 2;
      else if (pattern[pos] === '?') fail('lookaround and named groups are not supported');
      const inner = alternation();
      if (pattern[pos] !== ')') fail('an unclosed group');
      pos++;
      return inner;
    }
    if (c === '[') return charClass();
    if (c === '.') return { kind: 'set', ranges: complementRanges(DOT_EXCLUDES) };
    if (c === '\\') return { kind: 'set', ranges: normalizeRanges(escape()) };
    if (c === '^' || c === '$') fail(`the anchor '${c}' (a pattern always matches the whole output)`);
    if ('*+?{'.includes(c)) fail(`the quantifier '${c}' has nothing to repeat`);
    return { kind: 'set', ranges: [[code(c), code(c)]] };
  };
  // A quantifier after an atom, or undefined.
  const quantifier = (): [number, number] | undefined => {
    const c = pattern[pos];
    if (c === '?') { pos++; return [0, 1]; }
    if (c === '*') { pos++; return [0, Infinity]; }
    if (c === '+') { pos++; return [1, Infinity]; }
    if (c !== '{') return undefined;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(pos));
    if (m === null) return fail("'{' starts no {m}, {m,} or {m,n} (escape it as \\{ for a literal)");
    pos += m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (max < min) fail(`{${min},${max}} has max below min`);
    return [min, max];
  };
  const sequence = (): RegexNode => {
    const items: RegexNode[] = [];
    while (pos < pattern.length && pattern[pos] !== '|' && pattern[pos] !== ')') {
      const node = atom();
      const q = quantifier();
      // subtle: in JavaScript 'a*?' is lazy (same language) but 'a{2}?' would read as optional here: refuse both.
      if (q !== undefined && pos < pattern.length && '*+?{'.includes(pattern[pos]))
        fail('stacked or lazy quantifiers (group the inner part)');
      items.push(q === undefined ? node : { kind: 'repeat', node, min: q[0], max: q[1] });
    }
    return { kind: 'seq', items };
  };
  function alternation(): RegexNode {
    const options = [sequence()];
    while (pattern[pos] === '|') {
      pos++;
      options.push(sequence());
    }
    return options.length === 1 ? options[0] : { kind: 'alt', options };
  }
  const tree = alternation();
  if (pos < pattern.length) fail(`unexpected '${pattern[pos]}'`);
  return tree;
}
