// Lesson 1 of prompting techniques: self-consistency, "the model can have bad luck: make multiple attempts".
//
// Sample several replies to one question and keep the answer most of them reach. Replies are free
// text ("7+5=12, write 2 ...\n#### 432"), so each is first reduced to a key that two replies share
// exactly when they give the same final answer: the number after '####' (or the last number), else
// the lowercase words of the final answer. Replies with no answer at all abstain.
//
// Tie rule: among the keys with the most votes, the one whose first vote came earliest wins. With
// samples in generation order that is a fixed, seed-reproducible choice, and with greedy first it
// favours the greedy answer.
//
// Left out: weighting votes by the model's probability or a verifier's score (best-of-N does that).

import { assert } from '../util/assert';
import { finalAnswerText, lastNumber, words } from '../data/world/answers';

/** The outcome of a vote. */
export interface Vote {
  /** The winning key ('' when every reply abstained). */
  key: string;
  /** The index of the first reply that gave the winning key (-1 when every reply abstained). */
  index: number;
  /** Votes for the winner. */
  votes: number;
  /** Votes for every key, in order of first appearance (abstentions are not counted). */
  counts: Map<string, number>;
}

/**
 * The answer a reply gives, as a vote key: the final number when there is one, else the final
 * answer's lowercase words joined by spaces, '' when the reply says nothing.
 *
 *   answerKey('4+8=12, write 2, carry 1.\n#### 432') → '432'
 *   answerKey('Forum lives in Foden.') → 'forum lives in foden'
 *   answerKey('1,234') → '1234';  answerKey('  ?! ') → ''
 */
export function answerKey(reply: string): string {
  const final = finalAnswerText(reply);
  const n = lastNumber(final);
  return n !== undefined ? String(n) : words(final).join(' ');
}

/**
 * Majority vote over replies (see the header for the tie rule and abstentions).
 *
 *   majorityVote(['#### 12', '#### 13', '#### 13']) → { key: '13', index: 1, votes: 2, ... }
 *   majorityVote(['#### 12', '#### 13']) → { key: '12', index: 0, votes: 1, ... }   (tie: earliest)
 *   majorityVote(['?', '#### 7']) → { key: '7', index: 1, votes: 1, ... }           ('?' abstains)
 */
export function majorityVote(replies: readonly string[], key: (reply: string) => string = answerKey): Vote {
  assert(replies.length > 0, () => 'majorityVote: no replies; sample at least one');
  const counts = new Map<string, number>();
  const first = new Map<string, number>();
  replies.forEach((r, i) => {
    const k = key(r);
    if (k === '') return;
    counts.set(k, (counts.get(k) ?? 0) + 1);
    if (!first.has(k)) first.set(k, i);
  });
  let best = { key: '', index: -1, votes: 0 };
  // Map iteration follows first appearance, so a strict '>' keeps the earliest of tied keys.
  for (const [k, v] of counts) if (v > best.votes) best = { key: k, index: first.get(k)!, votes: v };
  return { ...best, counts };
}
