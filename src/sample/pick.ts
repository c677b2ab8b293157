// Choosing the next token from logits: temperature, top-k, top-p (nucleus), then one categorical draw
// from our own seeded Rng, so a seed gives the same text on every backend. Plain arrays, no tensors:
// a vocabulary's worth of numbers is cheap in JavaScript, and the rules read as they are taught.
// Left out: repetition penalties, min-p, beam search.

import { assert } from '../util/assert';
import { Rng } from '../data/rng';

/** How to turn logits into a token. */
export interface PickOptions {
  /** Divides the logits: < 1 sharpens, > 1 flattens; 0 means greedy (argmax). Default 1. */
  temperature?: number;
  /** Keep only the k most likely tokens (unset or 0: all). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p (unset or 1: all). */
  topP?: number;
}

/** Checks pick options, naming the bad value. */
export function checkPickOptions(o: PickOptions): void {
  const { temperature = 1, topK = 0, topP = 1 } = o;
  assert(Number.isFinite(temperature) && temperature >= 0,
    () => `temperature (${temperature}) must be >= 0 (0 is greedy)`);
  assert(Number.isSafeInteger(topK) && topK >= 0,
    () => `topK (${topK}) must be a non-negative integer (0 keeps every token)`);
  assert(topP > 0 && topP <= 1, () => `topP (${topP}) must be in (0, 1]`);
}

/** The index of the largest value (the first, on ties). argmax([1, 3, 3]) → 1 */
export function argmax(xs: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
}

/**
 * The distribution that `pickToken` samples from: softmax(logits / temperature), cut to top-k and
 * top-p, renormalized. Zero outside the kept tokens.
 *
 *   tokenProbs([0, 0, ln 2], { topK: 2 }) → [0.3333, 0, 0.6667]  (ties keep the lower id)
 *   tokenProbs([ln 1, ln 2, ln 7], { topP: 0.7 }) → [0, 0, 1]   (0.7 ≤ 0.7 reached by the top token)
 */
export function tokenProbs(logits: ArrayLike<number>, o: PickOptions = {}): Float64Array {
  checkPickOptions(o);
  const { temperature = 1, topK = 0, topP = 1 } = o;
  const n = logits.length;
  const probs = new Float64Array(n);
  if (temperature === 0) {
    probs[argmax(logits)] = 1;
    return probs;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => logits[b] - logits[a] || a - b);
  const keep = topK > 0 ? Math.min(topK, n) : n;
  const max = logits[order[0]];
  let z = 0;
  for (let r = 0; r < keep; r++) z += (probs[order[r]] = Math.exp((logits[order[r]] - max) / temperature));
  // Nucleus: walk down the sorted tokens until the kept mass reaches topP; drop the rest.
  let mass = 0;
  let cut = keep;
  for (let r = 0; r < keep; r++) {
    mass += probs[order[r]] / z;
    if (mass >= topP - 1e-12) { cut = r + 1; break; }
  }
  let kept = 0;
  for (let r = 0; r < n; r++) {
    if (r < cut) kept += probs[order[r]];
    else probs[order[r]] = 0;
  }
  for (let i = 0; i < n; i++) probs[i] /= kept;
  return probs;
}

/**
 * One token drawn from tokenProbs(logits, o) with rng (inverse CDF on one uniform number).
 *
 *   pickToken([0, 10, 0], { temperature: 0 }, rng) → 1
 */
export function pickToken(logits: ArrayLike<number>, o: PickOptions, rng: Rng): number {
  const probs = tokenProbs(logits, o);
  const u = rng.next();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue;
    acc += probs[i];
    last = i;
    if (u < acc) return i;
  }
  return last; // subtle: rounding can leave acc a hair below 1; the last kept token takes the rest
}
