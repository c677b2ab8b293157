// Constrained decoding, step 3: the (DFA state × token) index, so each decoding step is a lookup.
//
// The model picks tokens, not characters, and a token is a string of several characters: '{"' or
// 'ing' under BPE, one character under the char tokenizer. Walking each token's string through the DFA
// from each state, once, gives next[state][token]: the state after it, or -1 when the token leads to
// text no completion can rescue. The mask for a step is then the row of the current state. The walk
// shares prefixes through a trie of the vocabulary, so 'a', 'ab' and 'abc' cost one walk together.
//
// The vocabulary is given as each id's decoded string, so any tokenizer works. Tokens that decode to ''
// (special tokens a decoder shows as nothing) would never move the automaton and are never allowed;
// the end-of-output token (eosId) is allowed exactly in accepting states.
// Forced runs: where the grammar leaves one way on (template text), the tokens that spell it are returned
// so the decoder can append them without a forward pass each; they are the longest vocabulary tokens
// that fit (greedy), which need not be the tokenization the model would have chosen.
// Left out: token healing across the boundary between forced and free text.

import { assert } from '../util/assert';
import { Dfa, compileDfa, dfaStep, forcedText } from './dfa';
import type { ChatTokenizer } from '../data/char-tokenizer';

/** The compiled constraint over one vocabulary. */
export interface TokenIndex {
  dfa: Dfa;
  vocabSize: number;
  /** The end-of-output id, allowed only in accepting states; undefined when the caller stops by itself. */
  eosId?: number;
  /** next[state][token]: the state after the token, -1 when it is not allowed (eos: its own state or -1). */
  next: Int32Array[];
  /** mask[state][token]: 1 when allowed. */
  mask: Uint8Array[];
  /** The allowed ids of each state, ascending. */
  allowed: Int32Array[];
  /** The vocabulary, for forced runs. */
  vocab: readonly string[];
}

/** Trie node over token strings. */
interface TrieNode {
  children: Map<number, TrieNode>;
  ids: number[];
}

function buildTrie(vocab: readonly string[], skip: Set<number>): TrieNode {
  const root: TrieNode = { children: new Map(), ids: [] };
  vocab.forEach((text, id) => {
    if (text.length === 0 || skip.has(id)) return;
    let node = root;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let child = node.children.get(c);
      if (child === undefined) { child = { children: new Map(), ids: [] }; node.children.set(c, child); }
      node = child;
    }
    node.ids.push(id);
  });
  return root;
}

/**
 * Each id's decoded string, with special tokens as '' so no pattern can ever allow them (a special
 * decodes to its name, '<|user_end|>', which a string value would otherwise accept).
 *
 *   vocabStrings(charTokenizer('ab', ['<|endoftext|>'])) → ['a', 'b', '']
 */
export function vocabStrings(tok: Pick<ChatTokenizer, 'vocabSize' | 'decode' | 'isSpecial'>): string[] {
  return Array.from({ length: tok.vocabSize }, (_, id) => (tok.isSpecial(id) ? '' : tok.decode([id])));
}

/** Options of buildTokenIndex. */
export interface TokenIndexOptions {
  /** The id that ends the output (allowed in accepting states). */
  eosId?: number;
  /** Ids never allowed (special tokens whose strings might otherwise match). eosId is exempt. */
  exclude?: number[];
}

/**
 * Builds the index of a pattern (or a compiled DFA) over a vocabulary of decoded token strings.
 *
 *   const ix = buildTokenIndex('(ab|c)+', ['a', 'b', 'c', 'ab', '<eos>'], { eosId: 4 });
 *   ix.allowed[0] → [0, 2, 3]  ('a', 'c', 'ab'; not 'b', and not eos before any text)
 */
export function buildTokenIndex(
  pattern: string | Dfa, vocab: readonly string[], options: TokenIndexOptions = {},
): TokenIndex {
  const dfa = typeof pattern === 'string' ? compileDfa(pattern) : pattern;
  const V = vocab.length;
  const { eosId } = options;
  assert(eosId === undefined || (Number.isInteger(eosId) && eosId >= 0 && eosId < V),
    () => `eosId (${eosId}) is not an id of the ${V}-token vocabulary`);
  const skip = new Set(options.exclude ?? []);
  if (eosId !== undefined) skip.add(eosId);
  const root = buildTrie(vocab, skip);
  const S = dfa.accept.length;
  const next: Int32Array[] = [];
  const mask: Uint8Array[] = [];
  const allowed: Int32Array[] = [];
  for (let s = 0; s < S; s++) {
    const row = new Int32Array(V).fill(-1);
    // Depth-first through the trie, carrying the DFA state; a dead state prunes the whole subtree.
    const stack: [TrieNode, number][] = [[root, s]];
    while (stack.length > 0) {
      const [node, state] = stack.pop()!;
      for (const id of node.ids) row[id] = state;
      for (const [c, child] of node.children) {
        const to = dfaStep(dfa, state, c);
        if (to !== -1) stack.push([child, to]);
      }
    }
    if (eosId !== undefined && dfa.accept[s]) row[eosId] = s;
    const m = new Uint8Array(V);
    const ids: number[] = [];
    for (let t = 0; t < V; t++) if (row[t] !== -1) { m[t] = 1; ids.push(t); }
    next.push(row);
    mask.push(m);
    allowed.push(Int32Array.from(ids));
  }
  return { dfa, vocabSize: V, eosId, next, mask, allowed, vocab };
}

/**
 * The state after a token; throws when the token is not allowed there (a decoder bug, not a model's).
 *
 *   advance(ix, 0, 3) → the state after 'ab'
 */
export function advance(ix: TokenIndex, state: number, token: number): number {
  const to = ix.next[state]?.[token];
  assert(to !== undefined && to !== -1,
    () => `token ${token} ('${ix.vocab[token]}') is not allowed in state ${state}; sample from the masked logits`);
  return to;
}

/**
 * Masks one row of logits in place: -Infinity where the token is not allowed.
 *
 *   maskLogits(ix, 0, Float32Array.of(1, 2, 3, 4, 5)) → [1, -Inf, 3, 4, -Inf]
 */
export function maskLogits(ix: TokenIndex, state: number, logits: Float32Array): Float32Array {
  const m = ix.mask[state];
  assert(logits.length === m.length, () => `logits have ${logits.length} entries but the vocabulary has ${m.length}`);
  for (let t = 0; t < m.length; t++) if (m[t] === 0) logits[t] = -Infinity;
  return logits;
}

/**
 * Whether the output may end here (the state accepts).
 *
 *   isComplete(ix, advance(ix, 0, 2)) → true  ('c' matches (ab|c)+)
 */
export function isComplete(ix: TokenIndex, state: number): boolean {
  return ix.dfa.accept[state];
}

/**
 * The tokens the grammar forces from `state`, and the state after them: the forced characters spelled
 * greedily with the longest fitting tokens, then any state where exactly one token is allowed and the
 * output may not end. Empty when the model has a choice.
 *
 *   forcedTokens(buildTokenIndex('\\{"a": (1|2)\\}', ['{', '{"', 'a', '"', ':', ' ', '1', '2', '}', '": ']), 0)
 *     → { ids: [1, 2, 9], state: (before the digit) }   ('{"' 'a' '": ')
 */
export function forcedTokens(ix: TokenIndex, state: number): { ids: number[]; state: number } {
  const ids: number[] = [];
  for (let guard = 0; guard < 100_000; guard++) {
    const { text } = forcedText(ix.dfa, state);
    let best = -1;
    let bestLen = 0;
    if (text.length > 0) {
      // The longest allowed token that is a prefix of the forced text.
      for (const t of ix.allowed[state]) {
        const s = ix.vocab[t];
        if (s.length > bestLen && s.length <= text.length && text.startsWith(s)) { best = t; bestLen = s.length; }
      }
    }
    if (best === -1 && ix.allowed[state].length === 1 && !ix.dfa.accept[state]) best = ix.allowed[state][0];
    if (best === -1) break;
    ids.push(best);
    state = ix.next[state][best];
  }
  return { ids, state };
}
