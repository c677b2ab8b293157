// Lesson 10 of the data pipeline: checking an answer written in free text.
//
// Models do not answer with a bare value: they write "Zuvek lives in Tamor." or a page of steps
// ending in "#### 432". Every task here scores the same way, as GSM8K and nanochat do:
//   1. the final answer is the text after the last '####' when there is one, else the whole reply;
//   2. a number answer is the last number in it (commas as thousands separators allowed);
//   3. a word answer is right when the expected word appears in it and no competing value does, so
//      naming every town at once does not count as knowing the right one.
// Case, whitespace and punctuation never matter.
//
// Left out: partial credit and fuzzy spelling.

/** What a reply must contain to be right. */
export type Expected =
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string; alternatives: readonly string[] };

/**
 * The part of a reply that holds the final answer: after the last '####', else all of it.
 *
 *   finalAnswerText('7+5=12\n#### 12') → ' 12';  finalAnswerText('It is 12.') → 'It is 12.'
 */
export function finalAnswerText(reply: string): string {
  const at = reply.lastIndexOf('####');
  return at < 0 ? reply : reply.slice(at + 4);
}

// A number: thousands groups (1,234) or plain digits, optional decimals, a minus only when it is not
// a subtraction sign (no digit or ')' just before it).
const NUMBER = /(?<![\d)])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?/g;

/**
 * The last number in a text, or undefined.
 *
 *   lastNumber('so 347+85=432.') → 432;  lastNumber('1,234 hens') → 1234;  lastNumber('t = -5') → -5
 *   lastNumber('9-4') → 4;  lastNumber('none') → undefined
 */
export function lastNumber(text: string): number | undefined {
  const found = text.match(NUMBER);
  if (found === null) return undefined;
  return Number(found[found.length - 1].replace(/,/g, ''));
}

/**
 * Lowercase words (letters and digits) of a text, punctuation dropped.
 *
 *   words('  Tamor!! is, in the NORTH. ') → ['tamor', 'is', 'in', 'the', 'north']
 */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z0-9]+/g) ?? [];
}

/**
 * Whether a free-text reply gives the expected answer.
 *
 *   checkAnswer({ kind: 'number', value: 432 }, 'steps...\n#### 432') → true
 *   checkAnswer({ kind: 'word', value: 'Tamor', alternatives: ['Tamor', 'Bisel'] }, 'In tamor.') → true
 *   checkAnswer({ kind: 'word', value: 'Tamor', alternatives: ['Tamor', 'Bisel'] }, 'Tamor or Bisel') → false
 */
export function checkAnswer(expected: Expected, reply: string): boolean {
  const final = finalAnswerText(reply);
  if (expected.kind === 'number') return lastNumber(final) === expected.value;
  const said = new Set(words(final));
  const want = expected.value.toLowerCase();
  if (!said.has(want)) return false;
  return expected.alternatives.every((alt) => alt.toLowerCase() === want || !said.has(alt.toLowerCase()));
}

/**
 * The expected answer as the text a reply should end with.
 *
 *   expectedText({ kind: 'number', value: 432 }) → '432'
 */
export function expectedText(expected: Expected): string {
  return expected.kind === 'number' ? String(expected.value) : expected.value;
}
