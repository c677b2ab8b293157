// Tool use, part 2: the problems and the fine-tuning data that teach a chat model to call the calculator.
//
// Two kinds of held-out problem, each with a worked format the SFT model already knows in small:
//
//   sum      4-digit + 4-digit    'What is 4821+3719?'  → column steps → '#### 8540'
//   product  4-digit * one digit  'What is 4821*7?'     → column steps → '#### 33747'
//
// and the same problems as tool calls: 'Calculate 4821+3719.' → <|tool_start|>4821+3719<|tool_end|>
// <|output_start|>8540<|output_end|>#### 8540 (src/data/world/calculator.ts renders it; the output is
// written by the tool, so renderConversation gives it mask 0: no loss on what the model never writes).
// The fine-tuning mixture holds three sources: tool traces (these kinds and the calculator task's bigger
// expressions), worked steps of these kinds (so "steps without the tool" is trained as much as the tool
// is), and the SFT mixture itself (so facts and 2-digit sums are not forgotten).
// Left out: problems where the model must decide on its own whether a tool is worth calling.

import { assert } from '../util/assert';
import { Rng, hashSeed } from '../data/rng';
import { arithmeticExample, ArithmeticOp } from '../data/world/arithmetic';
import { calculatorExample, drawExpression } from '../data/world/calculator';
import { QAExample } from '../data/world/task';
import { World } from '../data/world/world';
import { sftMixture } from '../sft/data';
import { SftSettings } from '../sft/stage';

/** The kinds of held-out problem. */
export const TOOL_KINDS = ['sum', 'product'] as const;
export type ToolKind = (typeof TOOL_KINDS)[number];

/** One arithmetic problem, asked two ways (worked steps, or the calculator). */
export interface ToolProblem {
  kind: ToolKind;
  a: number;
  op: ArithmeticOp;
  b: number;
  /** '4821+3719' */
  expression: string;
  result: number;
}

/**
 * A problem of a kind: sum = two 4-digit numbers, product = a 4-digit number times one digit 2..9.
 *
 *   drawToolProblem(new Rng(1), 'product')
 *     → { kind: 'product', a: 4821, op: '*', b: 7, expression: '4821*7', result: 33747 } (say)
 */
export function drawToolProblem(rng: Rng, kind: ToolKind): ToolProblem {
  const a = rng.int(1000, 10000);
  const b = kind === 'sum' ? rng.int(1000, 10000) : rng.int(2, 10);
  const op: ArithmeticOp = kind === 'sum' ? '+' : '*';
  return { kind, a, op, b, expression: `${a}${op}${b}`, result: op === '+' ? a + b : a * b };
}

/**
 * n problems per kind from a seed, none whose expression is in `exclude` (the training problems).
 *
 *   toolProblems(2, 7).map((p) => p.kind) → ['sum', 'sum', 'product', 'product']
 */
export function toolProblems(perKind: number, seed: number, exclude: ReadonlySet<string> = new Set()): ToolProblem[] {
  assert(Number.isSafeInteger(perKind) && perKind >= 0, () => `perKind (${perKind}) must be a non-negative integer`);
  const rng = new Rng(hashSeed(seed, 0x7001));
  const out: ToolProblem[] = [];
  for (const kind of TOOL_KINDS) {
    const seen = new Set<string>();
    while (seen.size < perKind) {
      const p = drawToolProblem(rng, kind);
      if (exclude.has(p.expression) || seen.has(p.expression)) continue;
      seen.add(p.expression);
      out.push(p);
    }
  }
  return out;
}

/** The problem as a worked-steps question: 'What is 4821+3719?' with the column steps as the reply. */
export function stepsExample(p: ToolProblem, index = 0): QAExample {
  return arithmeticExample(p.a, p.op, p.b, index);
}

/** The problem as a calculator question: 'Calculate 4821+3719.' with the tool trace as the reply. */
export function toolExample(p: ToolProblem, index = 0): QAExample {
  return calculatorExample(p.expression, index);
}

/** The tool fine-tuning data's settings. */
export interface ToolDataSettings {
  /** Training conversations. */
  examples: number;
  /** Validation conversations (another seed). */
  valExamples: number;
  /** Relative weights of the three sources. */
  weights: { tool: number; steps: number; sft: number };
}

/** One training example and the problem behind it (none for the SFT mixture's). */
export interface ToolDataExample {
  source: 'tool' | 'steps' | 'sft';
  example: QAExample;
  /** The tool or worked problem's expression, to keep it out of evaluation. */
  expression?: string;
}

/**
 * The mixture: example i picks its source from (seed, i). A tool trace is one of the two kinds or,
 * one time in three, the calculator task's bigger shapes (a*b+c, (a+b)*c).
 *
 *   toolMixture(world, sft, { examples: 3, valExamples: 1, weights: { tool: 1, steps: 1, sft: 1 } }, 5)[0].source
 *     → 'tool' (say)
 */
export function toolMixture(
  world: World, sft: SftSettings, s: ToolDataSettings, seed: number, size = s.examples,
): ToolDataExample[] {
  const total = s.weights.tool + s.weights.steps + s.weights.sft;
  assert(s.weights.tool >= 0 && s.weights.steps >= 0 && s.weights.sft >= 0 && total > 0,
    () => `weights ${JSON.stringify(s.weights)} must be non-negative with a positive sum`);
  const mixture = sftMixture(world, { size: Math.max(1, size), seed: hashSeed(seed, 3), ...sft.mixture });
  const out: ToolDataExample[] = [];
  for (let i = 0; i < size; i++) {
    const rng = new Rng(hashSeed(seed, 0x70d1, i));
    const u = rng.next() * total;
    if (u < s.weights.tool) {
      if (rng.int(0, 3) === 0) {
        const expression = drawExpression(rng);
        out.push({ source: 'tool', example: calculatorExample(expression, i), expression });
      } else {
        const p = drawToolProblem(rng, rng.pick(TOOL_KINDS));
        out.push({ source: 'tool', example: toolExample(p, i), expression: p.expression });
      }
    } else if (u < s.weights.tool + s.weights.steps) {
      const p = drawToolProblem(rng, rng.pick(TOOL_KINDS));
      out.push({ source: 'steps', example: stepsExample(p, i), expression: p.expression });
    } else {
      out.push({ source: 'sft', example: mixture.example(rng.int(0, mixture.size)) });
    }
  }
  return out;
}
