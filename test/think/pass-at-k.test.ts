// pass@k against its closed form in exact integer arithmetic, and against brute-force enumeration of
// every k-subset of the samples.

import { expect } from 'chai';
import { meanPassAtK, passAtK } from '../../src/think';
import { GptLabError } from '../../src/util/assert';

/** C(n, k) exactly. */
function binom(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

/** 1 - C(n-c, k) / C(n, k), exactly, then rounded to a double. */
function closedForm(n: number, c: number, k: number): number {
  const total = binom(n, k);
  const miss = binom(n - c, k);
  const scale = 2n ** 64n;
  return Number(((total - miss) * scale) / total) / 2 ** 64;
}

/** The fraction of k-subsets of n samples (the first c right) holding at least one right sample. */
function bruteForce(n: number, c: number, k: number): number {
  let subsets = 0, hits = 0;
  for (let mask = 0; mask < 1 << n; mask++) {
    let bits = 0, right = false;
    for (let i = 0; i < n; i++) if (mask & (1 << i)) { bits++; if (i < c) right = true; }
    if (bits !== k) continue;
    subsets++;
    if (right) hits++;
  }
  return hits / subsets;
}

describe('passAtK', () => {
  it('matches hand cases', () => {
    expect(passAtK(2, 1, 1)).to.equal(0.5); // one of two samples right
    expect(passAtK(4, 1, 2)).to.be.closeTo(0.5, 1e-15); // 3 of the 6 pairs hold the right one
    expect(passAtK(10, 0, 5)).to.equal(0);
    expect(passAtK(5, 4, 2)).to.equal(1); // only one wrong sample: every pair has a right one
    expect(passAtK(10, 3, 1)).to.be.closeTo(0.3, 1e-15); // pass@1 is the fraction right
  });

  it('equals every k-subset enumerated, for n up to 10', () => {
    for (let n = 1; n <= 10; n++) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) expect(passAtK(n, c, k), `n=${n} c=${c} k=${k}`).to.be.closeTo(bruteForce(n, c, k), 1e-12);
      }
    }
  });

  it('equals the closed form where the binomials overflow a double', () => {
    // C(2000, 1000) ≈ 2e600: the naive ratio of doubles is Infinity / Infinity.
    for (const [n, c, k] of [[200, 13, 100], [2000, 3, 1000], [2000, 1, 7], [1500, 700, 16], [64, 1, 32]]) {
      expect(passAtK(n, c, k), `n=${n} c=${c} k=${k}`).to.be.closeTo(closedForm(n, c, k), 1e-12);
    }
    expect(Number(binom(2000, 1000))).to.equal(Infinity);
  });

  it('averages over problems', () => {
    expect(meanPassAtK([{ n: 2, c: 1 }, { n: 2, c: 2 }], 1)).to.equal(0.75);
  });

  it('rejects k above n and c outside 0..n, naming the values', () => {
    expect(() => passAtK(4, 1, 5)).to.throw(GptLabError, /k \(5\).*n \(4\)/);
    expect(() => passAtK(4, 5, 1)).to.throw(GptLabError, /c \(5\)/);
  });
});
