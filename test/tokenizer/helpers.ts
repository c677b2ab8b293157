// Shared test helpers: a seeded random generator, random Unicode text, and the Tiny Shakespeare mirror.

import * as fs from 'fs';

export { jsTiktoken, wasmTiktoken, gptTokenizer } from './references';

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Pieces random text is built from: every script and trap the split patterns care about. */
const POOLS: string[][] = [
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'],
  [...'0123456789', '٣', '४', '½', '²', '𝟘'],
  [...'.,;:!?-_()[]{}<>/\\|@#$%^&*+="`~', "'", '’'],
  [' ', ' ', '  ', '\t', '\n', '\r\n', '\n\n', '\u00a0', '\u0085', '\u2028', '\u3000', '\ufeff', '\u200b', '\v', '\f'],
  ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'LL", "'Re", "'ſ", 'don\'t', "I'M"],
  ['é', 'ß', 'Ñ', 'ǅ', 'ſ', 'K', 'µ', 'ﬁ', 'İ', 'ı', 'e\u0301', 'a\u0308', '\u0301', '\u0903', '\u20dd'],
  ['日本語', '中文', '한국어', 'русский', 'Ελληνικά', 'عربى', 'עברית', 'हिन्दी', 'ไทย', 'ქართული'],
  ['😀', '👍🏽', '👨‍👩‍👧', '🇫🇷', '❤️', '🤖', '\u{1F600}\u{1F600}', '𝔘𝔫𝔦'],
  ['CamelCase', 'HTTPServer', 'iPhone', 'getHTTPResponse', 'XMLHttpRequest', 'ABC', 'aBC', 'Abc'],
  ['1234567890', '3.14159', '1,000,000', '0x1F', '2024-01-01'],
];

/**
 * Blocks assigned long ago (Unicode 6 or earlier): Latin to Cyrillic, Armenian to Arabic, Devanagari
 * to Thai, Hangul Jamo, punctuation and symbols, CJK, Hangul syllables, math letters, emoji. Code
 * points are drawn only from these: Node's ICU (Unicode 17) calls some newer code points letters that
 * tiktoken's older Rust tables leave unassigned, which would make them split differently.
 */
const STABLE_RANGES: [number, number][] = [
  [0x20, 0x52f], [0x530, 0x6ff], [0x900, 0xe7f], [0x1100, 0x11ff], [0x2000, 0x27ff],
  [0x3000, 0x9fcc], [0xac00, 0xd7a3], [0x1d400, 0x1d7ff], [0x1f300, 0x1f5ff],
];

/** A random code point from STABLE_RANGES, unassigned ones skipped. */
function anyCodePoint(rand: () => number): string {
  for (;;) {
    const [lo, hi] = STABLE_RANGES[Math.floor(rand() * STABLE_RANGES.length)];
    const s = String.fromCodePoint(lo + Math.floor(rand() * (hi - lo + 1)));
    if (!/\p{Cn}/u.test(s)) return s;
  }
}

/**
 * A random well-formed string of up to `maxPieces` pieces.
 *
 *   randomText(seeded(1), 5) → e.g. "ß'LL 日本語\n"
 */
export function randomText(rand: () => number, maxPieces: number): string {
  let s = '';
  const n = Math.floor(rand() * (maxPieces + 1));
  for (let i = 0; i < n; i++) {
    if (rand() < 0.08) { s += anyCodePoint(rand); continue; }
    const pool = POOLS[Math.floor(rand() * POOLS.length)];
    const piece = pool[Math.floor(rand() * pool.length)];
    s += rand() < 0.15 ? piece.repeat(1 + Math.floor(rand() * 5)) : piece;
  }
  return s;
}

/** The ids as a plain array (tiktoken returns a Uint32Array). */
export function plain(ids: ArrayLike<number>): number[] {
  return Array.from(ids);
}
