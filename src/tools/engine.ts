// Tool use in the decoder: what one row does next, as a pure function of the ids it has so far.
//
// A chat model that learned the calculator traces (src/data/world/calculator.ts) writes
//
//   <|tool_start|> 4821*37 <|tool_end|>
//
// and then, instead of sampling on, the decoder runs the tool and forces its reply into the row:
//
//   <|output_start|> 178377 <|output_end|>
//
// after which sampling resumes (the model copies the result into its answer). toolStep looks at a row's
// ids and says which of the two to do, and which special ids sampling must not produce there (only the
// tool writes the output frame; a call cannot nest or end before it starts). Because it reads only the
// ids, it holds no state: the batched decoder calls it per row per step, and a row can be replayed.
// The forced ids are not sampled: the decoder marks them so (no log-probs, no loss).
// toolControl hands toolStep to the decoder as its row hook (src/sample/control.ts).
// Left out: the decoder itself (src/sample/), several tools (one named tool is enough for the lesson).

import { runCalculator } from '../data/world/calculator';
import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import type { RowControl } from '../sample/control';

/** The special ids that frame tool traffic (the fields of ChatTokens with these names). */
export interface ToolTokens {
  toolStart: number;
  toolEnd: number;
  outputStart: number;
  outputEnd: number;
}

/** What a row does next. */
export type ToolAction =
  /** Sample the next token, with these ids masked out. */
  | { kind: 'sample'; banned: number[] }
  /** Append these ids without sampling (the tool's reply), then call toolStep again. */
  | { kind: 'force'; ids: number[]; input: string; output: string };

/** What the engine needs beyond the ids: the text codec and the tool (absent: the tool is taken away). */
export interface ToolContext {
  tokens: ToolTokens;
  decode: (ids: number[]) => string;
  encode: (text: string) => number[];
  /** Runs the tool on the call's text; never throws (errors come back as text). Absent: no tool. */
  run?: (input: string) => string;
}

/**
 * Where the row's open tool call starts: the index after its last toolStart when no toolEnd follows,
 * else -1.
 *
 *   openCall([5, S, 1, 2], tokens with toolStart S) → 2;  openCall([S, 1, E], ...) → -1
 */
export function openCall(ids: readonly number[], t: ToolTokens): number {
  for (let i = ids.length - 1; i >= 0; i--) {
    if (ids[i] === t.toolEnd || ids[i] === t.outputEnd) return -1;
    if (ids[i] === t.toolStart) return i + 1;
  }
  return -1;
}

/**
 * The next action of one row, from the ids generated so far (the reply, not the prompt).
 *
 *   toolStep([S, '2', '*', '3', E], calc) → { kind: 'force', ids: [O, '6', C], input: '2*3', output: '6' }
 *   toolStep([S, '2'], calc) → { kind: 'sample', banned: [S, O, C] }   (inside a call: no nesting, no output frame)
 *   toolStep(['h', 'i'], calc) → { kind: 'sample', banned: [E, O, C] } (outside: a call cannot end)
 *   toolStep([S, '2', E], no run) → { kind: 'sample', banned: [E] }    (the tool taken away: the model goes on)
 */
export function toolStep(ids: readonly number[], ctx: ToolContext): ToolAction {
  const t = ctx.tokens;
  const last = ids[ids.length - 1];
  if (last === t.toolEnd && ctx.run !== undefined) {
    // The call just ended: find its start and run the tool on the text between.
    let start = ids.length - 2;
    while (start >= 0 && ids[start] !== t.toolStart) start--;
    if (start >= 0) {
      const inner = ids.slice(start + 1, ids.length - 1);
      const special = inner.find((id) => id === t.outputStart || id === t.outputEnd || id === t.toolEnd);
      const input = special === undefined ? ctx.decode(inner) : '';
      const output = special === undefined ? ctx.run(input) : 'error: the tool call holds a special token';
      return { kind: 'force', ids: [t.outputStart, ...safeEncode(ctx, output), t.outputEnd], input, output };
    }
  }
  const inCall = openCall(ids, t) !== -1;
  // subtle: with the tool taken away the output frame stays open to the model, which then writes a
  // result of its own (what notebook 09 measures); with the tool, only the tool writes it.
  const frame = ctx.run === undefined ? [] : [t.outputStart, t.outputEnd];
  return { kind: 'sample', banned: [inCall ? t.toolStart : t.toolEnd, ...frame] };
}

/** The tool's text as ids; characters the tokenizer cannot encode become '?', so a reply never throws. */
function safeEncode(ctx: ToolContext, text: string): number[] {
  try {
    return ctx.encode(text);
  } catch {
    return [...text].flatMap((c) => { try { return ctx.encode(c); } catch { return ctx.encode('?'); } });
  }
}

/**
 * The calculator as a ToolContext's `run`: the result, or a short error the model can read.
 *
 *   calculatorTool('4821*37') → '178377';  calculatorTool('2+') → 'error: calculator: expected a number ...'
 */
export function calculatorTool(input: string): string {
  return runCalculator(input.trim());
}

/**
 * The tool engine as the batched decoder's row hook (src/sample/control.ts): toolStep's 'force' becomes
 * forced ids, its 'sample' a sample with the banned ids masked.
 *
 *   sampleReplies(model, tok, prompts, { control: toolControl(chatToolContext(tok, calculatorTool)) })
 */
export function toolControl(ctx: ToolContext): RowControl {
  return (reply) => {
    const a = toolStep(reply, ctx);
    return a.kind === 'force' ? { kind: 'force', ids: a.ids } : { kind: 'sample', banned: a.banned };
  };
}

/**
 * A chat tokenizer's tool context: its tool tokens and codec, with the tool (or without: taken away).
 *
 *   chatToolContext(tok, calculatorTool).tokens.toolStart → tok.special('<|tool_start|>')
 */
export function chatToolContext(tok: ChatTokenizer, run?: (input: string) => string): ToolContext {
  const c = chatTokens(tok);
  const tokens = { toolStart: c.toolStart, toolEnd: c.toolEnd, outputStart: c.outputStart, outputEnd: c.outputEnd };
  return { tokens, decode: (ids) => tok.decode(ids), encode: (text) => tok.encode(text), run };
}

/**
 * The tool traffic in a reply: each call's text and the output that followed it (undefined when none did).
 *
 *   toolTraffic([S, '2', '*', '3', E, O, '6', C, '#', ...], ctx) → [{ input: '2*3', output: '6' }]
 */
export function toolTraffic(
  ids: readonly number[], ctx: Pick<ToolContext, 'tokens' | 'decode'>,
): { input: string; output?: string }[] {
  const t = ctx.tokens;
  const out: { input: string; output?: string }[] = [];
  let open = -1;
  let outStart = -1;
  ids.forEach((id, i) => {
    if (id === t.toolStart) open = i;
    else if (id === t.toolEnd && open >= 0) { out.push({ input: ctx.decode(ids.slice(open + 1, i)) }); open = -1; }
    else if (id === t.outputStart) outStart = i;
    else if (id === t.outputEnd && outStart >= 0 && out.length > 0) {
      out[out.length - 1].output = ctx.decode(ids.slice(outStart + 1, i));
      outStart = -1;
    }
  });
  return out;
}
