// Constrained decoding over any token vocabulary, in reading order:
//
//   regex.ts        a regular-expression subset parsed into a tree
//   dfa.ts          the tree → NFA → DFA with dead ends cut; forced text
//   token-index.ts  the (state × token) index: each step's mask is a lookup; forced tokens
//   schema.ts       a small JSON-schema subset → a pattern
//   decode.ts       the index as the decoder's row hook: masks and forced runs
//   measure.ts      free vs answer-first vs JSON templates on held-out sums: accuracy, passes saved
//
//   const ix = buildTokenIndex(schemaPattern(schema), vocabStrings, { eosId });
//   let s = 0;  each step: maskLogits(ix, s, logits) → pick t → s = advance(ix, s, t);
//   forcedTokens(ix, s) skips passes

export * from './regex';
export * from './dfa';
export * from './token-index';
export * from './schema';
export * from './decode';
export * from './measure';
