// Lesson 2 of prompting techniques: pass@k, the chance that at least one of k attempts is right.
//
// Drawing exactly k samples per problem gives a noisy estimate. Codex's paper (Chen et al., 2021)
// draws n >= k samples, counts the c right ones, and averages over every k-subset of them:
//
//   pass@k = 1 - C(n-c, k) / C(n, k)
//
// which is unbiased. The binomials overflow quickly (C(200, 100) ≈ 9e58), so it is computed as
// a product of n-c+1..n terms, each below 1:
//
//   C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k/i)
//
// Left out: confidence intervals (bootstrap.ts resamples problems for those).

import { assert } from '../util/assert';

/**
 * The unbiased pass@k of one problem with c right among n samples.
 *
 *   passAtK(2, 1, 1) → 0.5;  passAtK(4, 1, 2) → 0.5;  passAtK(5, 4, 2) → 1  (any 2 of 5 include a right one)
 */
export function passAtK(n: number, c: number, k: number): number {
  assert(Number.isInteger(n) && n >= 1, () => `passAtK: n (${n}) must be a positive integer (samples drawn)`);
  assert(Number.isInteger(c) && c >= 0 && c <= n, () => `passAtK: c (${c}) must be an integer in 0..n (${n})`);
  assert(Number.isInteger(k) && k >= 1 && k <= n,
    () => `passAtK: k (${k}) must be an integer in 1..n (${n}); draw more samples`);
  if (n - c < k) return 1;
  let allWrong = 1;
  for (let i = n - c + 1; i <= n; i++) allWrong *= 1 - k / i;
  return 1 - allWrong;
}

/**
 * pass@k averaged over problems, each given as (samples, right).
 *
 *   meanPassAtK([{ n: 2, c: 1 }, { n: 2, c: 2 }], 1) → 0.75
 */
export function meanPassAtK(problems: readonly { n: number; c: number }[], k: number): number {
  assert(problems.length > 0, () => 'meanPassAtK: no problems');
  return problems.reduce((s, p) => s + passAtK(p.n, p.c, k), 0) / problems.length;
}
