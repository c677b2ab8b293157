// Lesson 1 of the tokenizer: text is bytes.
//
// A byte-level BPE never sees characters: it sees the UTF-8 bytes of the text, so every string (any
// script, any emoji) can be encoded with a base vocabulary of just 256 tokens. This file holds the
// small byte helpers the rest of the tokenizer uses: UTF-8 in and out, a "byte string" (one char per
// byte, a cheap Map key for a byte sequence), and base64 (for the .tiktoken format).
//
// Left out: anything about tokens. Subtle: a JavaScript string is UTF-16 and may hold a *lone
// surrogate* (half of an emoji), which has no UTF-8 encoding; `utf8Encode` writes U+FFFD for it, as
// every web API does, so such strings come back from a round trip with U+FFFD in that place.

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * The UTF-8 bytes of a string; a lone surrogate becomes U+FFFD (bytes EF BF BD).
 *
 *   utf8Encode('hé') → Uint8Array [104, 195, 169]
 */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes UTF-8, writing U+FFFD for each invalid sequence (WHATWG "maximal subpart" rule), so any
 * byte sequence decodes, and a leading byte-order mark is kept as text.
 *
 *   utf8Decode(Uint8Array [104, 195, 169]) → 'hé'
 *   utf8Decode(Uint8Array [104, 195])      → 'h\uFFFD'   (a truncated é)
 */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/**
 * The string with each lone surrogate replaced by U+FFFD: what a UTF-8 round trip gives back.
 *
 *   toWellFormed('a\uD83D') → 'a\uFFFD'      toWellFormed('a😀') → 'a😀'
 */
export function toWellFormed(text: string): string {
  return text.replace(/\p{Surrogate}/gu, '\uFFFD');
}

/**
 * A string with one char per byte (code units 0..255): a cheap Map key for a byte sequence.
 *
 *   bytesKey(Uint8Array [104, 105]) → 'hi'     bytesKey(Uint8Array [255]) → 'ÿ'
 */
export function bytesKey(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/**
 * The bytes of a byte string (one char per byte, as made by `bytesKey`).
 *
 *   keyBytes('hi') → Uint8Array [104, 105]
 */
export function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

/**
 * Decodes base64 straight to a byte string (what `bytesKey` would make of the bytes); undefined when
 * `text` is not base64. Loading 200k tokens this way allocates no byte arrays.
 *
 *   base64Key('aGk=') → 'hi'      base64Key('a?') → undefined
 */
export function base64Key(text: string): string | undefined {
  try {
    return atob(text);
  } catch {
    return undefined;
  }
}

/**
 * Standard base64 with '=' padding.
 *
 *   toBase64(Uint8Array [104, 105]) → 'aGk='
 */
export function toBase64(bytes: Uint8Array): string {
  return btoa(bytesKey(bytes));
}
