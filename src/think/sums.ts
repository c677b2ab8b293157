// Lesson 7 of prompting techniques: "models need tokens to think", as data the chat model trains on.
//
// One question, 'What is 347+85?', answered in three formats that end the same way, '#### 432':
//
//   direct  #### 432
//   worked  7+5=12, write 2, carry 1.\n4+8+1=13, write 3, carry 1.\n3+1=4, write 4.\n#### 432
//   filler  ...................................\n#### 432      (exactly as many '.' tokens as the worked
//                                                           steps have tokens: more tokens, no computation)
//
// The filler format is the control: if "worked" beats "direct" only because the model gets more forward
// passes before it answers, "filler" beats "direct" too; if the steps themselves compute, it does not.
// One model learns every format: a reserved special token at the start of the user's turn selects it
// (the chat tokenizer has spare slots for this; a user typing '<|reserved_1|>' produces plain bytes, never
// the token). The same model learns two more things for notebook 07:
//   - quality-tagged solutions: worked solutions of which `flawRate` have one slipped column (a digit off
//     by one, the rest carried on consistently, so the answer is wrong by 10^column), tagged <|good|> or
//     <|bad|> in the prompt, or untagged (the mix). Asked with the good tag, the model is conditioned on
//     the correct part of its data;
//   - the check format: the question with a proposed answer ('What is 347+85? Answer: 433'), and the
//     reply works the sum out and ends in a verdict line, 'right' or 'wrong' (self-check).
//
// Left out: subtraction and products (the formats work the same), and natural-language instructions
// ("show your work"): at this scale a reserved token is a cleaner switch than words the model has
// seen a few hundred times.

import { assert } from '../util/assert';
import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { RenderedConversation } from '../data/conversation';
import { Rng, hashSeed, hashString } from '../data/rng';
import { addSteps, stepLine, Worked } from '../data/world/arithmetic';

/** How a sum is answered. */
export type SumFormat = 'direct' | 'worked' | 'filler';
export const SUM_FORMATS: readonly SumFormat[] = ['direct', 'worked', 'filler'];

/** A quality tag in the prompt ('none': no tag). */
export type QualityTag = 'good' | 'bad' | 'none';
export const QUALITY_TAGS: readonly QualityTag[] = ['good', 'none', 'bad'];

/** What the prompt asks for: a format, a tagged (or untagged) worked solution, or a check of a proposed answer. */
export type SumMode =
  | { kind: 'format'; format: SumFormat }
  | { kind: 'quality'; tag: QualityTag }
  | { kind: 'check'; proposed: number };

/** The special token each format starts the user's turn with (the chat tokenizer's spare slots). */
export const MODE_TOKENS = {
  direct: '<|reserved_0|>', worked: '<|reserved_1|>', filler: '<|reserved_2|>', check: '<|reserved_3|>',
  good: '<|good|>', bad: '<|bad|>',
} as const;

/** The text that fills the filler format, one token per repetition. */
export const FILLER_TEXT = '.';

/** A sum a + b. */
export interface Sum {
  a: number;
  b: number;
}

/**
 * Columns that carry: carries(347, 85) → 2;  carries(12, 34) → 0;  carries(999, 1) → 3
 */
export function carries(a: number, b: number): number {
  let n = 0;
  let carry = 0;
  for (let x = a, y = b; x > 0 || y > 0; x = Math.floor(x / 10), y = Math.floor(y / 10)) {
    carry = (x % 10) + (y % 10) + carry >= 10 ? 1 : 0;
    n += carry;
  }
  return n;
}

/**
 * Column addition with one slip: column `column` (0 = units) is worked out `delta` off (±1), and every
 * later column carries on from the wrong value, so the steps are self-consistent and the result is
 * a + b + delta * 10^column. delta 0 gives addSteps' solution.
 *
 *   slippedSteps(347, 85, 0, 1)
 *     → { steps: ['7+5=13, write 3, carry 1.', '4+8+1=13, write 3, carry 1.', '3+1=4, write 4.'], result: 433 }
 */
export function slippedSteps(a: number, b: number, column: number, delta: number): Worked {
  assert(Number.isSafeInteger(a) && a >= 0 && Number.isSafeInteger(b) && b >= 0,
    () => `slippedSteps: operands ${a}, ${b} must be non-negative integers`);
  const da = [...String(a)].reverse().map(Number);
  const db = [...String(b)].reverse().map(Number);
  const width = Math.max(da.length, db.length);
  assert(Number.isInteger(column) && column >= 0 && column < width,
    () => `slippedSteps: column ${column} is outside 0..${width - 1}`);
  const steps: string[] = [];
  let carry = 0;
  let result = 0;
  for (let k = 0; k < width; k++) {
    const terms = [da[k], db[k]].filter((d) => d !== undefined).map(String);
    if (carry > 0) terms.push(String(carry));
    const value = terms.reduce((s, t) => s + Number(t), 0) + (k === column ? delta : 0);
    assert(value >= 0,
      () => `slippedSteps: column ${column} of ${a}+${b} is 0; a slip of ${delta} would make it negative`);
    carry = Math.floor(value / 10);
    result += (value % 10) * 10 ** k;
    steps.push(stepLine(terms.length > 1 ? terms.join('+') : '', value, carry));
  }
  if (carry > 0) {
    steps.push(stepLine('', carry, 0));
    result += carry * 10 ** width;
  }
  return { steps, result };
}

/**
 * A wrong worked solution: one column slipped by ±1 (chosen by rng), the answer off by 10^column.
 *
 *   flawedSteps(347, 85, rng).result → 433, 431, 442, 422, 532 or 332
 */
export function flawedSteps(a: number, b: number, rng: Rng): Worked {
  const width = Math.max(String(a).length, String(b).length);
  const column = rng.int(0, width);
  const unit = 10 ** column;
  const carryIn = (a % unit) + (b % unit) >= unit ? 1 : 0;
  const value = (Math.floor(a / unit) % 10) + (Math.floor(b / unit) % 10) + carryIn;
  // subtle: a column worth 0 can only slip upwards
  const delta = value === 0 ? 1 : rng.pick([-1, 1]);
  return slippedSteps(a, b, column, delta);
}

/** The question of a sum: sumQuestion({ a: 347, b: 85 }) → 'What is 347+85?' */
export function sumQuestion(s: Sum): string {
  return `What is ${s.a}+${s.b}?`;
}

/** The question of a check: checkQuestion({ a: 347, b: 85 }, 433) → 'What is 347+85? Answer: 433' */
export function checkQuestion(s: Sum, proposed: number): string {
  return `${sumQuestion(s)} Answer: ${proposed}`;
}

/** The prompt's special tokens and text for a mode. */
function modeParts(tok: ChatTokenizer, s: Sum, mode: SumMode): { prefix: number[]; text: string } {
  if (mode.kind === 'format') return { prefix: [tok.special(MODE_TOKENS[mode.format])], text: sumQuestion(s) };
  if (mode.kind === 'check') return { prefix: [tok.special(MODE_TOKENS.check)], text: checkQuestion(s, mode.proposed) };
  return { prefix: mode.tag === 'none' ? [] : [tok.special(MODE_TOKENS[mode.tag])], text: sumQuestion(s) };
}

/**
 * The ids the model reads before it answers: <|bos|> <|user_start|> [mode token] question <|user_end|>
 * <|assistant_start|>.
 *
 *   sumPrompt(tok, { a: 12, b: 34 }, { kind: 'format', format: 'worked' })
 *     → [bos, user_start, <|reserved_1|>, 'What', ' is', ' ', '1', '2', '+', '3', '4', '?', user_end,
 *        assistant_start]
 */
export function sumPrompt(tok: ChatTokenizer, s: Sum, mode: SumMode): number[] {
  const chat = chatTokens(tok);
  const { prefix, text } = modeParts(tok, s, mode);
  return [chat.bos, chat.userStart, ...prefix, ...chat.encode(text), chat.userEnd, chat.assistantStart];
}

/**
 * The reply's ids in a format, before <|assistant_end|>: the steps (worked), as many filler tokens
 * (filler) or nothing (direct), then '#### result'. `worked` defaults to the correct solution.
 *
 *   replyIds(tok, 'direct', addSteps(12, 34)) → encode('#### 46')
 *   replyIds(tok, 'filler', w).length === replyIds(tok, 'worked', w).length → true
 */
export function replyIds(tok: ChatTokenizer, format: SumFormat, worked: Worked): number[] {
  const answer = tok.encode(`#### ${worked.result}`);
  if (format === 'direct') return answer;
  const steps = tok.encode(`${worked.steps.join('\n')}\n`);
  if (format === 'worked') return [...steps, ...answer];
  const [fill] = tok.encode(FILLER_TEXT);
  return [...new Array<number>(steps.length).fill(fill), ...answer];
}

/** The verdict line of a check: 'right' when proposed is the sum, else 'wrong'. */
export function verdict(s: Sum, proposed: number): 'right' | 'wrong' {
  return proposed === s.a + s.b ? 'right' : 'wrong';
}

/**
 * The verdict a check reply ends with, or undefined when it has none.
 *
 *   readVerdict('7+5=12...\n#### 432\nwrong') → 'wrong';  readVerdict('#### 432') → undefined
 */
export function readVerdict(reply: string): 'right' | 'wrong' | undefined {
  const m = /(right|wrong)\W*$/.exec(reply.trim());
  return m === null ? undefined : (m[1] as 'right' | 'wrong');
}

/** One training example of the think model: the sum, what was asked, and its rendering. */
export interface ThinkExample extends Sum {
  mode: SumMode;
  /** Whether the reply's solution is correct (quality examples may be flawed; checks are worked correctly). */
  correct: boolean;
  rendered: RenderedConversation;
}

/**
 * A full training conversation: the prompt (mask 0), then the reply and <|assistant_end|> (mask 1).
 * A quality example writes `worked` (correct or flawed); a check writes the correct steps and its verdict.
 *
 *   renderSum(tok, { a: 12, b: 34 }, { kind: 'format', format: 'direct' }).ids
 *     → [...prompt, ...encode('#### 46'), assistant_end]
 */
export function renderSum(
  tok: ChatTokenizer, s: Sum, mode: SumMode, worked: Worked = addSteps(s.a, s.b),
): RenderedConversation {
  const prompt = sumPrompt(tok, s, mode);
  const chat = chatTokens(tok);
  let reply: number[];
  if (mode.kind === 'format') reply = replyIds(tok, mode.format, worked);
  else if (mode.kind === 'quality') reply = replyIds(tok, 'worked', worked);
  else reply = [...replyIds(tok, 'worked', addSteps(s.a, s.b)), ...tok.encode(`\n${verdict(s, mode.proposed)}`)];
  const ids = [...prompt, ...reply, chat.assistantEnd];
  return { ids, mask: ids.map((_, i) => (i < prompt.length ? 0 : 1)) };
}

/** The mixture the think model trains on. */
export interface ThinkDataConfig {
  /** Relative weight of each kind of example. */
  weights: { direct: number; worked: number; filler: number; quality: number; check: number };
  /** Operand digits drawn from (each equally often); notebook 07 holds 4 out. */
  digits: readonly number[];
  /** Fraction of quality examples whose solution is flawed. */
  flawRate: number;
  /** Fraction of quality examples that carry their tag (the rest are the untagged mix). */
  tagRate: number;
  /** Fraction of checks whose proposed answer is wrong (a flawed solution's answer). */
  wrongProposals: number;
}

/**
 * Draws n-digit + n-digit: drawSum(rng, 3) → { a: 347, b: 852 } (both with exactly 3 digits)
 */
export function drawSum(rng: Rng, digits: number): Sum {
  assert(Number.isInteger(digits) && digits >= 1 && digits <= 9, () => `drawSum: digits ${digits} must be in 1..9`);
  const lo = digits === 1 ? 0 : 10 ** (digits - 1);
  return { a: rng.int(lo, 10 ** digits), b: rng.int(lo, 10 ** digits) };
}

type Kind = keyof ThinkDataConfig['weights'];

function pickKind(w: ThinkDataConfig['weights'], u: number): Kind {
  const kinds = Object.keys(w) as Kind[];
  const total = kinds.reduce((s, k) => s + w[k], 0);
  assert(total > 0 && kinds.every((k) => w[k] >= 0),
    () => `think weights ${JSON.stringify(w)} must be non-negative with a positive sum`);
  let acc = 0;
  for (const k of kinds) {
    acc += w[k] / total;
    if (u < acc) return k;
  }
  return kinds.filter((k) => w[k] > 0).pop()!;
}

/**
 * Example i of the think mixture, a function of (seed, i) alone.
 *
 *   thinkExample(tok, config, 7, 0).mode → { kind: 'format', format: 'filler' } (say)
 */
export function thinkExample(tok: ChatTokenizer, c: ThinkDataConfig, seed: number, i: number): ThinkExample {
  const rng = new Rng(hashSeed(seed, hashString('think'), i));
  const kind = pickKind(c.weights, rng.next());
  const s = drawSum(rng, rng.pick(c.digits));
  let mode: SumMode;
  let worked = addSteps(s.a, s.b);
  let correct = true;
  if (kind === 'quality') {
    correct = !rng.chance(c.flawRate);
    if (!correct) worked = flawedSteps(s.a, s.b, rng);
    mode = { kind: 'quality', tag: rng.chance(c.tagRate) ? (correct ? 'good' : 'bad') : 'none' };
  } else if (kind === 'check') {
    const proposed = rng.chance(c.wrongProposals) ? flawedSteps(s.a, s.b, rng).result : s.a + s.b;
    mode = { kind: 'check', proposed };
  } else {
    mode = { kind: 'format', format: kind };
  }
  return { ...s, mode, correct, rendered: renderSum(tok, s, mode, worked) };
}

/**
 * Held-out sums: `count` distinct n-digit sums drawn by seed, none of them in `exclude` ('a+b' keys).
 *
 *   heldOutSums(3, 100, 1, trainingKeys) → 100 sums of two 3-digit numbers that training never showed
 */
export function heldOutSums(
  digits: number, count: number, seed: number, exclude: ReadonlySet<string> = new Set(),
): Sum[] {
  const rng = new Rng(hashSeed(seed, hashString('held-out sums'), digits));
  const out: Sum[] = [];
  const seen = new Set(exclude);
  for (let tries = 0; out.length < count && tries < 50 * count + 100; tries++) {
    const s = drawSum(rng, digits);
    const key = `${s.a}+${s.b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  assert(out.length === count,
    () => `heldOutSums: only ${out.length} of ${count} distinct ${digits}-digit sums outside the training set; ` +
      'ask for fewer');
  return out;
}
