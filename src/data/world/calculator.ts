// Lesson 14 of the data pipeline: a calculator tool and the problems that need it.
//
// 4821*37 is beyond what a small model can do reliably even with steps. The fix is a tool: the
// assistant writes the expression in a tool call, a calculator (this file) computes it, and the
// result comes back into the conversation, where the assistant copies it into its answer:
//
//   user:      Calculate 4821*37.
//   assistant: [calculator: 4821*37] -> [178377] #### 178377
//
// The calculator evaluates integer expressions with + - * / and parentheses, and refuses anything
// else, so running model-written input is safe.
//
// Left out: decimals, powers, variables.

import { assert } from '../../util/assert';
import { assistant, callTool, say, toolResult, user } from '../conversation';
import { Rng } from '../rng';
import { QAExample, Task, TaskConfig, makeTaskConfig, qaTask } from './task';

/** A calculator question. */
export interface CalculatorExample extends QAExample {
  /** The expression the assistant passes to the calculator: '4821*37'. */
  expression: string;
  result: number;
}

/**
 * The tokens of an expression: integers and the characters + - * / ( ).
 *
 *   lexExpression('(12+3) * 4') → ['(', '12', '+', '3', ')', '*', '4']
 */
export function lexExpression(expr: string): string[] {
  const tokens = expr.match(/\d+|[-+*/()]|\S/g) ?? [];
  const bad = tokens.find((t) => !/^(\d+|[-+*/()])$/.test(t));
  assert(bad === undefined,
    () => `calculator: '${bad}' in '${expr}' is not allowed; use integers, + - * / and parentheses`);
  return tokens;
}

/**
 * Evaluates an integer expression with the usual precedence; division must come out exact.
 *
 *   calculate('(12+3)*4') → 60;  calculate('2+3*4') → 14;  calculate('-7+2') → -5;  calculate('7/2') → throws
 */
export function calculate(expr: string): number {
  const tokens = lexExpression(expr);
  let pos = 0;
  const peek = () => tokens[pos];
  const expect = (t: string) => {
    assert(tokens[pos] === t,
      () => `calculator: expected '${t}' at token ${pos} of '${expr}', found '${tokens[pos] ?? 'the end'}'`);
    pos++;
  };
  // subtle: every intermediate value must be exact; a product past 2^53 would round silently and give a wrong answer.
  const exact = (v: number): number => {
    assert(Number.isSafeInteger(v), () => `calculator: '${expr}' is too large (an intermediate value is beyond 2^53)`);
    return v;
  };
  // expr := term (('+' | '-') term)*;  term := factor (('*' | '/') factor)*;  factor := '-' factor | int | '(' expr ')'
  const factor = (): number => {
    const t = peek();
    if (t === '-') {
      pos++;
      return -factor();
    }
    if (t === '(') {
      pos++;
      const v = sum();
      expect(')');
      return v;
    }
    assert(t !== undefined && /^\d+$/.test(t),
      () => `calculator: expected a number at token ${pos} of '${expr}', found '${t ?? 'the end'}'`);
    pos++;
    return exact(Number(t));
  };
  const product = (): number => {
    let v = factor();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[pos++];
      const r = factor();
      if (op === '*') v = exact(v * r);
      else {
        assert(r !== 0 && v % r === 0, () => `calculator: ${v}/${r} in '${expr}' is not an exact integer division`);
        v /= r;
      }
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[pos++];
      const r = product();
      v = exact(op === '+' ? v + r : v - r);
    }
    return v;
  };
  const value = sum();
  assert(pos === tokens.length, () => `calculator: unexpected '${tokens[pos]}' at token ${pos} of '${expr}'`);
  assert(Number.isSafeInteger(value), () => `calculator: '${expr}' is too large (beyond 2^53)`);
  return value;
}

/**
 * The tool as a model sees it: the result as text, or an error message (never a throw), so a
 * malformed call from a model becomes a tool result it can read.
 *
 *   runCalculator('4821*37') → '178377';  runCalculator('2+') → "error: calculator: expected a number ..."
 */
export function runCalculator(input: string): string {
  try {
    return String(calculate(input));
  } catch (e) {
    return `error: ${(e as Error).message}`;
  }
}

/**
 * The example for an expression: the tool call, its result, and '#### result'.
 *
 *   calculatorExample('4821*37').conversation.messages[1]
 *     → assistant(callTool('calculator', '4821*37'), toolResult('calculator', '178377'), say('#### 178377'))
 */
export function calculatorExample(expression: string, index = 0): CalculatorExample {
  const result = calculate(expression);
  const question = `Calculate ${expression}.`;
  return {
    task: 'calculator', index, question, expression, result,
    expected: { kind: 'number', value: result },
    conversation: {
      messages: [
        user(question),
        assistant(callTool('calculator', expression), toolResult('calculator', String(result)), say(`#### ${result}`)),
      ],
    },
  };
}

/**
 * Draws an expression in one of three shapes: a*b, a*b+c, (a+b)*c.
 *
 *   drawExpression(new Rng(1)) → '(117+438)*16'
 */
export function drawExpression(rng: Rng): string {
  const n = (digits: number) => rng.int(10 ** (digits - 1), 10 ** digits);
  switch (rng.int(0, 3)) {
    case 0:
      return `${n(rng.int(3, 5))}*${n(rng.int(2, 4))}`;
    case 1:
      return `${n(3)}*${n(2)}+${n(rng.int(2, 5))}`;
    default:
      return `(${n(3)}+${n(3)})*${n(2)}`;
  }
}

/**
 * Problems too big for mental arithmetic, with tool use as the ideal reply.
 *
 *   calculatorTask({ size: 300, seed: 2 }).example(0).question → 'Calculate 486*29+581.'
 */
export function calculatorTask(config: Partial<TaskConfig> = {}): Task<CalculatorExample> {
  const c = makeTaskConfig(config);
  return qaTask('calculator', c, (i, rng) => calculatorExample(drawExpression(rng), i));
}
