// Lesson 13 of the data pipeline: arithmetic that needs steps (chain of thought).
//
// A small model cannot add two 3-digit numbers "in its head" in one forward pass: the carries form a
// chain. Written out column by column, each step is a single-digit fact the model can learn, and
// the answer follows from the steps. So each example comes with its worked solution, in a fixed
// format a char-level model can imitate, ending in '#### <answer>':
//
//   What is 347+85?
//   7+5=12, write 2, carry 1.
//   4+8+1=13, write 3, carry 1.
//   3+1=4, write 4.
//   #### 432
//
// Left out: subtraction and long multiplication (multi-digit times multi-digit is what the
// calculator task is for).

import { assert } from '../../util/assert';
import { assistant, say, user } from '../conversation';
import { Rng } from '../rng';
import { QAExample, Task, TaskConfig, qaTask } from './task';

/** The operations with worked steps: n-digit + n-digit, and n-digit * one digit. */
export type ArithmeticOp = '+' | '*';

/** An arithmetic task. */
export interface ArithmeticConfig extends TaskConfig {
  /** Digits of the operands (the second operand of '*' is always one digit), 1..9. */
  digits: number;
  /** The operations to draw from. */
  ops: readonly ArithmeticOp[];
}

/** A worked solution. */
export interface Worked {
  /** One line per column, least significant first. */
  steps: string[];
  result: number;
}

/** An arithmetic question with its worked steps. */
export interface ArithmeticExample extends QAExample {
  a: number;
  op: ArithmeticOp;
  b: number;
  steps: string[];
  result: number;
}

/** Digits of a non-negative integer, least significant first: digitsOf(347) → [7, 4, 3] */
function digitsOf(n: number): number[] {
  return [...String(n)].reverse().map(Number);
}

/** One step line: the column's sum (omitted for a lone digit), the digit written and the carry. */
export function stepLine(sum: string, value: number, carry: number): string {
  const head = sum === '' ? '' : `${sum}=${value}, `;
  return `${head}write ${value % 10}` + (carry > 0 ? `, carry ${carry}.` : '.');
}

/**
 * Column addition, least significant column first.
 *
 *   addSteps(347, 85)
 *     → { steps: ['7+5=12, write 2, carry 1.', '4+8+1=13, write 3, carry 1.', '3+1=4, write 4.'], result: 432 }
 *   addSteps(5, 7)    → { steps: ['5+7=12, write 2, carry 1.', 'write 1.'], result: 12 }
 */
export function addSteps(a: number, b: number): Worked {
  checkOperand(a);
  checkOperand(b);
  const da = digitsOf(a);
  const db = digitsOf(b);
  const steps: string[] = [];
  let carry = 0;
  for (let k = 0; k < Math.max(da.length, db.length); k++) {
    const terms = [da[k], db[k]].filter((d) => d !== undefined).map(String);
    if (carry > 0) terms.push(String(carry));
    const value = terms.reduce((s, t) => s + Number(t), 0);
    carry = Math.floor(value / 10);
    steps.push(stepLine(terms.length > 1 ? terms.join('+') : '', value, carry));
  }
  if (carry > 0) steps.push(stepLine('', carry, 0));
  return { steps, result: a + b };
}

/**
 * Multiplication by one digit, least significant column first.
 *
 *   mulSteps(47, 6)
 *     → { steps: ['7*6=42, write 2, carry 4.', '4*6+4=28, write 8, carry 2.', 'write 2.'], result: 282 }
 */
export function mulSteps(a: number, d: number): Worked {
  checkOperand(a);
  assert(Number.isInteger(d) && d >= 0 && d <= 9, () => `mulSteps: the multiplier ${d} must be one digit (0..9)`);
  const steps: string[] = [];
  let carry = 0;
  for (const digit of digitsOf(a)) {
    const terms = [`${digit}*${d}`];
    if (carry > 0) terms.push(String(carry));
    const value = digit * d + carry;
    carry = Math.floor(value / 10);
    steps.push(stepLine(terms.join('+'), value, carry));
  }
  if (carry > 0) steps.push(stepLine('', carry, 0));
  return { steps, result: a * d };
}

function checkOperand(n: number): void {
  assert(Number.isSafeInteger(n) && n >= 0, () => `arithmetic operand ${n} must be a non-negative integer`);
}

/**
 * The worked solution of a op b.
 *
 *   solve(347, '+', 85).result → 432
 */
export function solve(a: number, op: ArithmeticOp, b: number): Worked {
  return op === '+' ? addSteps(a, b) : mulSteps(a, b);
}

/**
 * The example for a op b: question, worked reply ending in '#### result', expected number.
 *
 *   arithmeticExample(347, '+', 85).question → 'What is 347+85?'
 */
export function arithmeticExample(a: number, op: ArithmeticOp, b: number, index = 0): ArithmeticExample {
  const { steps, result } = solve(a, op, b);
  const question = `What is ${a}${op}${b}?`;
  return {
    task: 'arithmetic', index, question, a, op, b, steps, result,
    expected: { kind: 'number', value: result },
    conversation: { messages: [user(question), assistant(say(`${steps.join('\n')}\n#### ${result}`))] },
  };
}

/**
 * The worked sum as plain prose, for pretraining documents.
 *
 *   arithmeticText(arithmeticExample(47, '*', 6))
 *     → '47*6:\n7*6=42, write 2, carry 4.\n4*6+4=28, write 8, carry 2.\nwrite 2.\nSo 47*6=282.'
 */
export function arithmeticText(ex: ArithmeticExample): string {
  return `${ex.a}${ex.op}${ex.b}:\n${ex.steps.join('\n')}\nSo ${ex.a}${ex.op}${ex.b}=${ex.result}.`;
}

/** Draws operands: n-digit + n-digit, or n-digit * a digit in 2..9. */
export function drawArithmetic(rng: Rng, digits: number, ops: readonly ArithmeticOp[]): [number, ArithmeticOp, number] {
  const lo = digits === 1 ? 0 : 10 ** (digits - 1);
  const op = rng.pick(ops);
  const a = rng.int(lo, 10 ** digits);
  const b = op === '+' ? rng.int(lo, 10 ** digits) : rng.int(2, 10);
  return [a, op, b];
}

/**
 * Fills defaults (1000 examples, seed 0, 3 digits, both ops) and checks them.
 *
 *   makeArithmeticConfig({ digits: 2 }) → { size: 1000, seed: 0, digits: 2, ops: ['+', '*'] }
 */
export function makeArithmeticConfig(overrides: Partial<ArithmeticConfig> = {}): ArithmeticConfig {
  const c: ArithmeticConfig = { size: 1000, seed: 0, digits: 3, ops: ['+', '*'], ...overrides };
  assert(Number.isInteger(c.digits) && c.digits >= 1 && c.digits <= 9,
    () => `arithmetic digits ${c.digits} must be an integer in 1..9`);
  assert(c.ops.length > 0, () => "arithmetic ops is empty; pass e.g. ['+']");
  return c;
}

/**
 * Questions like 'What is 347+85?' with the worked steps as the ideal reply.
 *
 *   arithmeticTask({ size: 500, seed: 1 }).example(0).question → 'What is 401*4?'
 */
export function arithmeticTask(config: Partial<ArithmeticConfig> = {}): Task<ArithmeticExample> {
  const c = makeArithmeticConfig(config);
  return qaTask('arithmetic', c, (i, rng) => {
    const [a, op, b] = drawArithmetic(rng, c.digits, c.ops);
    return arithmeticExample(a, op, b, i);
  });
}
