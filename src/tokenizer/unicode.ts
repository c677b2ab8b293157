// Lesson 3a of the tokenizer: which Unicode the split patterns speak.
//
// `\p{L}` (letter), `\p{N}` (number) and `\p{M}` (mark) mean whatever the regex engine's Unicode tables
// say, and those grow: each Unicode version assigns new characters, and now and then moves one to
// another category. OpenAI's tiktoken matches with the tables of the Rust regex crate it was built with
// (Unicode 16.0 in the tiktoken the tests compare with); Node.js matches with its ICU (Unicode 17.0 in
// Node 20.20). A letter that 17.0 added, say U+0C5C (Telugu), is a letter for Node and an unassigned
// code point for tiktoken, so 'a\u0C5Ca' is one chunk here and two or three there, and the ids differ.
//
// So the classes are pinned to tiktoken's Unicode: the letters, numbers and marks that Unicode 17.0
// added are taken out of every class (for tiktoken they are unassigned: "other", like punctuation), and
// U+0295 ʕ, which 17.0 moved from Ll (lowercase) to Lo (other letter), goes back to Ll. On a Node whose
// Unicode is 16.0 both corrections change nothing. They use set subtraction inside a class (`[A--[B]]`),
// which needs the regex flag `v` (Node 20 and later); the engine folds it into one plain class.
//
// Left out: Unicode older than 16.0 (a Node built with an older ICU): the characters 16.0 added are then
// "other" here and letters for tiktoken. test/tokenizer/unicode.test.ts checks every class against
// tiktoken's, code point by code point, and says which Unicode this Node has when they differ.

/** The Unicode version of tiktoken's regex tables, which the classes below follow. */
export const REFERENCE_UNICODE = '16.0';

/**
 * The letters (L), numbers (N) and marks (M) Unicode 17.0 added, as a class body: 4699 code points
 * (Tolong Siki, Beria Erfe, Tai Yo, Sidetic, Sharada and Tangut supplements, CJK extension J, ...).
 */
const ADDED_IN_17 = String.raw`\u088F\u0C5C\u0CDC\u1ACF-\u1ADD\u1AE0-\u1AEB\uA7CE\uA7CF\uA7D2\uA7D4\uA7F1` +
  String.raw`\u{10940}-\u{10959}\u{10EC5}-\u{10EC7}\u{10EFA}\u{10EFB}\u{11B60}-\u{11B67}\u{11DB0}-\u{11DDB}` +
  String.raw`\u{11DE0}-\u{11DE9}\u{16EA0}-\u{16EB8}\u{16EBB}-\u{16ED3}\u{16FF2}-\u{16FF6}\u{187F8}-\u{187FF}` +
  String.raw`\u{18D09}-\u{18D1E}\u{18D80}-\u{18DF2}\u{1E6C0}-\u{1E6DE}\u{1E6E0}-\u{1E6F5}\u{1E6FE}\u{1E6FF}` +
  String.raw`\u{2B73A}-\u{2B73F}\u{2CEA2}-\u{2CEAD}\u{323B0}-\u{33479}`;

/** The general categories the split patterns use. */
export type CategoryName = 'L' | 'N' | 'M' | 'Lu' | 'Ll' | 'Lt' | 'Lm' | 'Lo';

/** Code points 17.0 moved into a category (remove) or out of it (add back), as 16.0 has them. */
const MOVED_IN_17: Partial<Record<CategoryName, { add?: string; remove?: string }>> = {
  Ll: { add: String.raw`\u0295` },
  Lo: { remove: String.raw`\u0295` },
};

/**
 * A general category as tiktoken's Unicode has it, as a class for a regex with the `v` flag (nest it
 * in another class, or use it alone).
 *
 *   category('N')  → '[[\p{N}]--[\u088F…]]'
 *   new RegExp(category('L'), 'v').test('\u0C5C') → false   (a letter only since Unicode 17.0)
 */
export function category(name: CategoryName): string {
  const moved = MOVED_IN_17[name];
  return String.raw`[[\p{${name}}${moved?.add ?? ''}]--[${ADDED_IN_17}${moved?.remove ?? ''}]]`;
}
