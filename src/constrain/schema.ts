// Constrained decoding, step 4: a small JSON-schema subset → a regular expression → the same DFA.
//
// The talk's Guidance example clamps the output to a JSON template. A flat object with required
// properties in a fixed key order is a regular language, so it compiles to a pattern:
//
//   { type: 'object', properties: { name: { type: 'string' }, ok: { type: 'boolean' } }, required: ['name', 'ok'] }
//   → \{"name": "(?:[^"\\\x00-\x1f]|\\["\\/bfnrt])*", "ok": (?:true|false)\}
//
// and the key text between the values is forced (forcedTokens in token-index.ts), so the model spends
// forward passes only on the values. The spacing is Python's json.dumps: ', ' and ': '.
// Left out: optional properties, nesting, arrays, numbers other than integers, \uXXXX escapes in strings,
// minimum/maximum other than an integer in 0..maximum, and any key order but the schema's.

import { assert } from '../util/assert';
import { escapeRegex } from './regex';

/** One property's type. */
export type PropertySchema =
  | { type: 'string'; maxLength?: number }
  /** With a maximum, minimum must be 0: the non-negative integers up to it, a finite (regular) set. */
  | { type: 'integer'; minimum?: number; maximum?: number }
  | { type: 'boolean' }
  | { enum: (string | number | boolean)[] };

/** The object schemas the compiler takes (valid JSON Schema, so a standard validator checks the output). */
export interface ObjectSchema {
  type: 'object';
  /** In output order. */
  properties: Record<string, PropertySchema>;
  /** Every property, in the same order: optional keys are not supported. */
  required: string[];
  additionalProperties?: false;
}

/** One JSON string character: anything but '"', '\' and control characters, or a short escape. */
const STRING_CHAR = '(?:[^"\\\\\\x00-\\x1f]|\\\\["\\\\/bfnrt])';

/**
 * The pattern of one property's value.
 *
 *   valuePattern({ type: 'boolean' }) → '(?:true|false)';  valuePattern({ enum: ['a', 1] }) → '(?:"a"|1)'
 */
export function valuePattern(p: PropertySchema): string {
  if ('enum' in p) {
    assert(p.enum.length > 0, () => 'an enum needs at least one value');
    return `(?:${p.enum.map((v) => escapeRegex(JSON.stringify(v))).join('|')})`;
  }
  if (p.type === 'string') {
    const n = p.maxLength;
    assert(n === undefined || (Number.isInteger(n) && n >= 0), () => `maxLength (${n}) must be a whole number`);
    return `"${STRING_CHAR}${n === undefined ? '*' : `{0,${n}}`}"`;
  }
  if (p.type === 'integer') {
    if (p.maximum === undefined && p.minimum === undefined) return '-?(?:0|[1-9][0-9]*)';
    assert(p.minimum === 0 && Number.isSafeInteger(p.maximum) && p.maximum! >= 0,
      () => `integer bounds minimum ${p.minimum} / maximum ${p.maximum} are not supported; ` +
        'give minimum 0 and a whole maximum >= 0, or neither');
    return upToPattern(p.maximum!);
  }
  if (p.type === 'boolean') return '(?:true|false)';
  assert(false, () => `property type ${JSON.stringify(p)} is not supported; use string, integer, boolean or enum`);
  throw new Error('unreachable');
}

/**
 * A pattern for the decimal integers 0..max, without leading zeros: shorter numbers, then numbers of
 * max's length digit by digit (below max's digit: anything after; equal: recurse).
 *
 *   upToPattern(9) → '[0-9]';  upToPattern(42) matches '0'..'42' and not '43', '042' or '-1'
 */
export function upToPattern(max: number): string {
  assert(Number.isSafeInteger(max) && max >= 0, () => `upToPattern: max (${max}) must be a whole number >= 0`);
  const s = String(max);
  const d = (lo: number, hi: number) => (lo === hi ? `${lo}` : `[${lo}-${hi}]`);
  // Strings of the same length as t (leading zeros allowed) that are <= t.
  const atMost = (t: string): string => {
    const head = Number(t[0]);
    if (t.length === 1) return d(0, head);
    const alts = [`${head}${atMost(t.slice(1))}`];
    if (head > 0) alts.push(`${d(0, head - 1)}[0-9]{${t.length - 1}}`);
    return `(?:${alts.join('|')})`;
  };
  if (s.length === 1) return d(0, max);
  const head = Number(s[0]);
  const alts = ['0', s.length > 2 ? `[1-9][0-9]{0,${s.length - 2}}` : '[1-9]', `${head}${atMost(s.slice(1))}`];
  if (head > 1) alts.push(`${d(1, head - 1)}[0-9]{${s.length - 1}}`);
  return `(?:${alts.join('|')})`;
}

/**
 * The pattern of a whole object schema.
 *
 *   schemaPattern({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] })
 *     → '\\{"n": -?(?:0|[1-9][0-9]*)\\}'
 */
export function schemaPattern(schema: ObjectSchema): string {
  assert(schema.type === 'object',
    () => `schema type '${schema.type}' is not supported; the top level must be an object`);
  const keys = Object.keys(schema.properties);
  assert(keys.length > 0, () => 'the schema has no properties');
  assert(JSON.stringify(schema.required) === JSON.stringify(keys),
    () => `required (${JSON.stringify(schema.required)}) must list every property in order ` +
      `(${JSON.stringify(keys)}); optional keys are not supported`);
  const fields = keys.map((k) => `${escapeRegex(JSON.stringify(k))}: ${valuePattern(schema.properties[k])}`);
  return `\\{${fields.join(', ')}\\}`;
}

/**
 * The text a value takes under this spacing: what a schema-following output looks like.
 *
 *   formatObject({ n: 1, ok: true }) → '{"n": 1, "ok": true}'
 */
export function formatObject(value: Record<string, string | number | boolean>): string {
  return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')}}`;
}
