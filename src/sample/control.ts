// Sampling, part 5: the one decoding hook that tools and constrained decoding share.
//
// Before each token of a row, the batched decoder (chat.ts) asks the row's control what to do:
//
//   { kind: 'sample', banned, allowed }   sample from the logits with these ids masked out
//   { kind: 'force', ids }                append these ids without sampling (marked forced in the reply)
//
// The tool engine (src/tools/) forces the calculator's reply after a call; the constrained decoder
// (src/constrain/) masks the tokens a schema forbids and forces the template text it leaves no choice
// about. Forced ids are fed to the model together, in one forward pass, not one pass per token: the
// model reads them (they are in its context) but is never asked to predict them.
//
//   const control: RowControl = (reply) => reply.length === 0 ? { kind: 'force', ids: [7, 8, 9] } : { kind: 'sample' };
//   continueBatch(model, prompts, { stop, maxTokens, control, stats })
//     → replies with forced: [true, true, true, false, ...]
//
// A control is a pure function of the reply's ids so far (the prompt is not passed): it holds no state,
// so a row can be replayed, and the decoder may ask it again about the same ids.
// Left out: controls that need the model's probabilities (beam search, speculative decoding).

import { assert } from '../util/assert';

/** What one row does next. */
export type RowAction =
  /** Sample the next token; `banned` ids and ids where `allowed` is 0 get -Infinity. */
  | { kind: 'sample'; banned?: readonly number[]; allowed?: ArrayLike<number> }
  /** Append these ids (at least one) without sampling. */
  | { kind: 'force'; ids: readonly number[] };

/** The hook: the reply's ids so far → what the row does next. */
export type RowControl = (reply: readonly number[]) => RowAction;

/** Counts a decoder adds to: what forcing saved. */
export interface DecodeStats {
  /** Forward passes run (one per step of the whole batch). */
  passes: number;
  /** Tokens picked from the model's logits. */
  sampled: number;
  /** Tokens forced into rows. */
  forced: number;
  /** Forced runs (one 'force' action each, however many ids it holds). */
  forcedRuns: number;
}

/** Zeroed stats: newDecodeStats() → { passes: 0, sampled: 0, forced: 0, forcedRuns: 0 } */
export function newDecodeStats(): DecodeStats {
  return { passes: 0, sampled: 0, forced: 0, forcedRuns: 0 };
}

/**
 * A copy of one row's logits with a sample action's mask applied; throws when it allows nothing.
 *
 *   maskedLogits([1, 2, 3], { kind: 'sample', banned: [2] }) → [1, 2, -Infinity]
 *   maskedLogits([1, 2, 3], { kind: 'sample', allowed: [1, 0, 1], banned: [0] }) → [-Infinity, -Infinity, 3]
 */
export function maskedLogits(logits: ArrayLike<number>, action: Extract<RowAction, { kind: 'sample' }>): Float32Array {
  const out = Float32Array.from(logits);
  const V = out.length;
  if (action.allowed !== undefined) {
    assert(action.allowed.length === V,
      () => `the allowed mask has ${action.allowed!.length} entries but the vocabulary has ${V}`);
    for (let t = 0; t < V; t++) if (action.allowed[t] === 0) out[t] = -Infinity;
  }
  for (const t of action.banned ?? []) {
    assert(Number.isInteger(t) && t >= 0 && t < V, () => `banned id ${t} is outside 0..${V - 1}`);
    out[t] = -Infinity;
  }
  assert(out.some((x) => x !== -Infinity),
    () => 'the row control masked every token; allow at least one (or force one)');
  return out;
}

/**
 * The forward passes a lone row spends on its reply: one per sampled id, one per run of forced ids
 * (a reply decoded one pass per token would spend forced.length).
 *
 *   forwardPasses([true, true, true, false, false]) → 3;  forwardPasses([false, true, false, true, true]) → 4
 */
export function forwardPasses(forced: readonly boolean[]): number {
  return forced.reduce((n, f, i) => n + (f && i > 0 && forced[i - 1] ? 0 : 1), 0);
}
