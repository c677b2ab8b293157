// Constrained decoding, step 2: the regex tree → an NFA (Thompson's construction) → a DFA (subsets).
//
// A DFA reads the output one character at a time and knows, in one integer, everything that matters
// about the text so far. Two properties make it a decoding guide:
//   - dead ends are cut: every state kept can still reach an accepting state, so "a transition exists"
//     means "this prefix can still be completed" (a mask built on it never lets the model paint itself
//     into a corner);
//   - transitions are over ranges of characters, so a class like [^"] is one edge, not 65,535.
// Left out: minimization (Hopcroft); the index over tokens (token-index.ts) is the part that must be fast.

import { assert } from '../util/assert';
import { CharRange, RegexNode, parseRegex } from './regex';

/** A deterministic automaton; state 0 is the start; -1 is the dead state. */
export interface Dfa {
  /** accept[s]: the text read so far is a complete match. */
  accept: boolean[];
  /** Outgoing edges of each state, sorted by lo, disjoint: chars lo..hi go to `to`. */
  edges: { lo: number; hi: number; to: number }[][];
}

/** NFA states: epsilon moves and character-range moves. */
interface Nfa {
  eps: number[][];
  moves: { ranges: CharRange[]; to: number }[][];
}

/** The most NFA states a pattern may expand to (a guard against a{1000}{1000}). */
const MAX_NFA_STATES = 200_000;

/** Builds the NFA fragment for a node between fresh states; returns [start, end]. */
function buildNfa(node: RegexNode, nfa: Nfa): [number, number] {
  const state = () => {
    assert(nfa.eps.length < MAX_NFA_STATES,
      () => `regex expands to over ${MAX_NFA_STATES} NFA states; lower the {m,n} counts`);
    nfa.eps.push([]);
    nfa.moves.push([]);
    return nfa.eps.length - 1;
  };
  const s = state();
  const e = state();
  if (node.kind === 'set') nfa.moves[s].push({ ranges: node.ranges, to: e });
  else if (node.kind === 'seq') {
    let cur = s;
    for (const item of node.items) {
      const [a, b] = buildNfa(item, nfa);
      nfa.eps[cur].push(a);
      cur = b;
    }
    nfa.eps[cur].push(e);
  } else if (node.kind === 'alt') {
    for (const o of node.options) {
      const [a, b] = buildNfa(o, nfa);
      nfa.eps[s].push(a);
      nfa.eps[b].push(e);
    }
  } else {
    // min required copies, then (max - min) optional ones, or a loop when max is Infinity.
    let cur = s;
    for (let i = 0; i < node.min; i++) {
      const [a, b] = buildNfa(node.node, nfa);
      nfa.eps[cur].push(a);
      cur = b;
    }
    if (node.max === Infinity) {
      const [a, b] = buildNfa(node.node, nfa);
      nfa.eps[cur].push(a, e);
      nfa.eps[b].push(a, e);
    } else {
      for (let i = node.min; i < node.max; i++) {
        const [a, b] = buildNfa(node.node, nfa);
        nfa.eps[cur].push(a, e); // take one more copy, or stop here
        cur = b;
      }
      nfa.eps[cur].push(e);
    }
  }
  return [s, e];
}

/** The states reachable by epsilon moves, sorted. */
function closure(nfa: Nfa, states: Iterable<number>): number[] {
  const seen = new Set<number>(states);
  const stack = [...seen];
  while (stack.length > 0) {
    for (const t of nfa.eps[stack.pop()!]) if (!seen.has(t)) { seen.add(t); stack.push(t); }
  }
  return [...seen].sort((a, b) => a - b);
}

/**
 * Compiles a pattern (or a parsed tree) to a DFA whose every state can still reach acceptance.
 *
 *   compileDfa('ab?') → 3 states: 0 -a→ 1 (accepting) -b→ 2 (accepting)
 */
export function compileDfa(pattern: string | RegexNode): Dfa {
  const nfa: Nfa = { eps: [], moves: [] };
  const [start, end] = buildNfa(typeof pattern === 'string' ? parseRegex(pattern) : pattern, nfa);
  const keyOf = (set: number[]) => set.join(',');
  const sets: number[][] = [closure(nfa, [start])];
  const ids = new Map<string, number>([[keyOf(sets[0]), 0]]);
  const raw: { lo: number; hi: number; to: number }[][] = [];
  for (let d = 0; d < sets.length; d++) {
    const moves = sets[d].flatMap((q) => nfa.moves[q]);
    // Split the code units at every range boundary; within a piece every move either covers all or none.
    const cuts = [...new Set(moves.flatMap((m) => m.ranges.flatMap(([lo, hi]) => [lo, hi + 1])))].sort((a, b) => a - b);
    const out: { lo: number; hi: number; to: number }[] = [];
    for (let i = 0; i + 1 < cuts.length; i++) {
      const lo = cuts[i];
      const targets = moves.filter((m) => m.ranges.some(([a, b]) => a <= lo && lo <= b)).map((m) => m.to);
      if (targets.length === 0) continue;
      const set = closure(nfa, targets);
      const key = keyOf(set);
      let to = ids.get(key);
      if (to === undefined) { to = sets.length; sets.push(set); ids.set(key, to); }
      const last = out[out.length - 1];
      if (last !== undefined && last.to === to && last.hi + 1 === lo) last.hi = cuts[i + 1] - 1;
      else out.push({ lo, hi: cuts[i + 1] - 1, to });
    }
    raw.push(out);
  }
  return trimDead({ accept: sets.map((s) => s.includes(end)), edges: raw });
}

/**
 * Drops the states that cannot reach an accepting state, and the edges into them; renumbers the rest
 * with the start kept at 0. Throws when the pattern matches nothing.
 */
function trimDead(dfa: Dfa): Dfa {
  const n = dfa.accept.length;
  const live = dfa.accept.slice();
  for (let changed = true; changed;) {
    changed = false;
    for (let s = 0; s < n; s++) if (!live[s] && dfa.edges[s].some((e) => live[e.to])) {
      live[s] = true;
      changed = true;
    }
  }
  assert(live[0], () => 'the pattern matches no string at all; check its classes and counts');
  const renumber = new Map<number, number>();
  for (let s = 0; s < n; s++) if (live[s]) renumber.set(s, renumber.size);
  const keep = [...renumber.keys()];
  return {
    accept: keep.map((s) => dfa.accept[s]),
    edges: keep.map((s) => dfa.edges[s].filter((e) => live[e.to]).map((e) => ({ ...e, to: renumber.get(e.to)! }))),
  };
}

/**
 * One character from a state: the next state, or -1 (dead).
 *
 *   dfaStep(compileDfa('ab'), 0, 'a'.charCodeAt(0)) → 1;  dfaStep(compileDfa('ab'), 0, 'b'.charCodeAt(0)) → -1
 */
export function dfaStep(dfa: Dfa, state: number, ch: number): number {
  const edges = dfa.edges[state];
  let lo = 0;
  let hi = edges.length - 1;
  while (lo <= hi) { // binary search: classes like [^"] make a few wide edges, enums many narrow ones
    const mid = (lo + hi) >> 1;
    const e = edges[mid];
    if (ch < e.lo) hi = mid - 1;
    else if (ch > e.hi) lo = mid + 1;
    else return e.to;
  }
  return -1;
}

/**
 * A whole string from a state; -1 as soon as it dies.
 *
 *   dfaWalk(compileDfa('a+b'), 0, 'aab') → an accepting state;  dfaWalk(compileDfa('a+b'), 0, 'ba') → -1
 */
export function dfaWalk(dfa: Dfa, state: number, text: string): number {
  for (let i = 0; i < text.length && state !== -1; i++) state = dfaStep(dfa, state, text.charCodeAt(i));
  return state;
}

/**
 * Whether the whole text matches.
 *
 *   dfaMatches(compileDfa('a|bc'), 'bc') → true;  dfaMatches(compileDfa('a|bc'), 'b') → false
 */
export function dfaMatches(dfa: Dfa, text: string): boolean {
  const s = dfaWalk(dfa, 0, text);
  return s !== -1 && dfa.accept[s];
}

/**
 * The characters every completion from `state` must start with: the run of states with exactly one
 * outgoing character that are not yet accepting (template text like '{"name": "').
 *
 *   forcedText(compileDfa('\\{"a": (true|false)\\}'), 0) → { text: '{"a": ', state: ... }
 */
export function forcedText(dfa: Dfa, state: number): { text: string; state: number } {
  let text = '';
  // Every kept state reaches acceptance, so a forced run ends; the bound is a second guard.
  for (let guard = 0; guard <= dfa.accept.length && !dfa.accept[state]; guard++) {
    const edges = dfa.edges[state];
    if (edges.length !== 1 || edges[0].lo !== edges[0].hi) break;
    text += String.fromCharCode(edges[0].lo);
    state = edges[0].to;
  }
  return { text, state };
}
