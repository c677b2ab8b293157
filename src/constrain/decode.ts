// Constrained decoding, step 5: the index as the batched decoder's row hook (src/sample/control.ts).
//
// Per row, the state is the index walked over the reply so far. Where the grammar leaves a choice, the
// row samples from the logits masked to the state's allowed tokens; where it leaves none (template text:
// '{"answer": '), the tokens that spell it are forced, fed in one forward pass, and never sampled; once
// the output is complete and only the end token is left, that is forced too.
//
//   const ix = buildTokenIndex(schemaPattern(schema), vocabStrings(tok), { eosId: tok.special('<|assistant_end|>') });
//   sampleReplies(model, tok, prompts, { control: constrainedControl(ix), stats })  → every reply matches
//
// Left out: keeping the state between calls (the walk over the reply is a few lookups per token).

import { assert } from '../util/assert';
import type { RowControl } from '../sample/control';
import { TokenIndex, advance, forcedTokens, isComplete } from './token-index';

/**
 * The state after a reply's ids (ending before the end token).
 *
 *   replyState(ix, []) → 0
 */
export function replyState(ix: TokenIndex, reply: readonly number[]): number {
  let s = 0;
  for (const t of reply) s = advance(ix, s, t);
  return s;
}

/**
 * The row hook that keeps every reply inside the index's language: forced runs, then masked sampling.
 *
 *   constrainedControl(ix)([]) → { kind: 'force', ids: ['{"', 'answer', '": '] } for the schema { answer: integer }
 */
export function constrainedControl(ix: TokenIndex): RowControl {
  return (reply) => {
    const s = replyState(ix, reply);
    const forced = forcedTokens(ix, s);
    if (forced.ids.length > 0) return { kind: 'force', ids: forced.ids };
    if (ix.eosId !== undefined && isComplete(ix, s) && ix.allowed[s].length === 1)
      return { kind: 'force', ids: [ix.eosId] };
    assert(ix.allowed[s].length > 0,
      () => `state ${s} allows no token: the vocabulary cannot spell what the pattern needs here`);
    return { kind: 'sample', allowed: ix.mask[s] };
  };
}
