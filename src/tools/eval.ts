// Tool use, part 4: measuring it. Each held-out problem is asked three ways:
//
//   steps    'What is 4821+3719?'   worked column steps, no calculator
//   tool     'Calculate 4821+3719.' the calculator answers the model's call (forced, not sampled)
//   no-tool  'Calculate 4821+3719.' the calculator taken away: the model writes the output frame itself
//
// A reply is right when the number after its last '####' is the result; a reply without '####' is
// wrong, so a model that calls the tool and never copies the result gets no credit for the tool's digits.
// summarizeTools puts a bootstrap interval (src/think/bootstrap.ts) on each accuracy.
// Left out: sampling several replies per problem (greedy only).

import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { lastNumber } from '../data/world/answers';
import { promptFor } from '../data/world/task';
import { GPT } from '../model';
import { DecodeStats } from '../sample/control';
import { sampleReplies } from '../sample/chat';
import { calculatorTool, chatToolContext, toolControl, toolTraffic } from './engine';
import { stepsExample, toolExample, TOOL_KINDS, ToolKind, ToolProblem } from './data';
import { bootstrapMean, Interval } from '../think/bootstrap';

/** How a problem is asked. */
export const TOOL_MODES = ['steps', 'tool', 'no-tool'] as const;
export type ToolMode = (typeof TOOL_MODES)[number];

/** One reply, scored. */
export interface ToolRow {
  kind: ToolKind;
  mode: ToolMode;
  question: string;
  reply: string;
  expected: number;
  answer: number | undefined;
  correct: boolean;
  /** Tool calls the model opened. */
  calls: number;
  /** The first call's text and the output that followed it (the tool's, or the model's own without the tool). */
  call?: { input: string; output?: string };
}

/**
 * The reply's answer: the last number after its last '####', or undefined without one.
 *
 *   toolAnswer('<|tool_start|>2*3<|tool_end|><|output_start|>6<|output_end|>#### 6') → 6;
 *   toolAnswer('6') → undefined
 */
export function toolAnswer(reply: string): number | undefined {
  const at = reply.lastIndexOf('####');
  return at < 0 ? undefined : lastNumber(reply.slice(at + 4));
}

/**
 * Every problem asked in every mode, greedy, in batches.
 *
 *   evaluateTools(model, tok, toolProblems(8, 1), ['steps', 'tool']) → 32 rows
 */
export function evaluateTools(model: GPT, tok: ChatTokenizer, problems: readonly ToolProblem[],
  modes: readonly ToolMode[] = TOOL_MODES,
  opts: { maxTokens?: number; batchSize?: number; stats?: DecodeStats } = {}): ToolRow[] {
  const toolStart = chatTokens(tok).toolStart;
  const rows: ToolRow[] = [];
  for (const mode of modes) {
    const examples = problems.map((p) => (mode === 'steps' ? stepsExample(p) : toolExample(p)));
    const ctx = chatToolContext(tok, mode === 'tool' ? calculatorTool : undefined);
    const control = toolControl(ctx);
    const replies = sampleReplies(model, tok, examples.map(promptFor),
      { maxTokens: opts.maxTokens ?? 64, batchSize: opts.batchSize, control, stats: opts.stats });
    replies.forEach((r, i) => {
      const answer = toolAnswer(r.text);
      const p = problems[i];
      rows.push({
        kind: p.kind, mode, question: examples[i].question, reply: r.text, expected: p.result, answer,
        correct: answer === p.result,
        calls: r.ids.filter((id) => id === toolStart).length, call: toolTraffic(r.ids, ctx)[0],
      });
    });
  }
  return rows;
}

/** An interval as a percentage with its bounds: '43% [30–57]'. */
export function percentInterval(i: Interval): string {
  const p = (x: number) => (100 * x).toFixed(0);
  return `${p(i.estimate)}% [${p(i.lower)}–${p(i.upper)}]`;
}

/** One line of the tool table: a kind of problem under a mode. */
export interface ToolSummary {
  kind: ToolKind;
  mode: ToolMode;
  n: number;
  accuracy: Interval;
  /** The fraction of replies that opened a tool call. */
  callRate: number;
  /** Of the replies with a call: the call's text is the question's expression (the model copied it). */
  callCopied: number;
  /** Of the replies with a call and an output: the answer is the output (the model copied the result back). */
  answerCopied: number;
}

/**
 * Accuracy (with a bootstrap interval) and tool-call rate per kind and mode.
 *
 *   summarizeTools(rows)[0] → { kind: 'sum', mode: 'steps', n: 32, accuracy: { estimate: 0.19, ... }, callRate: 0 }
 */
export function summarizeTools(rows: readonly ToolRow[], seed = 0): ToolSummary[] {
  const out: ToolSummary[] = [];
  for (const mode of TOOL_MODES) {
    for (const kind of TOOL_KINDS) {
      const r = rows.filter((x) => x.mode === mode && x.kind === kind);
      if (r.length === 0) continue;
      const called = r.filter((x) => x.call !== undefined);
      const withOutput = called.filter((x) => x.call!.output !== undefined);
      const frac = (k: number, n: number) => (n === 0 ? NaN : k / n);
      out.push({
        kind, mode, n: r.length, accuracy: bootstrapMean(r.map((x) => (x.correct ? 1 : 0)), { seed }),
        callRate: r.filter((x) => x.calls > 0).length / r.length,
        callCopied: frac(called.filter((x) => x.call!.input.trim() === expressionOf(x.question)).length, called.length),
        answerCopied: frac(
          withOutput.filter((x) => x.answer !== undefined && String(x.answer) === x.call!.output!.trim()).length,
          withOutput.length),
      });
    }
  }
  return out;
}

/** The expression in a question: 'Calculate 4821+3719.' → '4821+3719';  'What is 47*6?' → '47*6' */
export function expressionOf(question: string): string {
  return question.replace(/^(Calculate |What is )/, '').replace(/[.?]$/, '');
}
