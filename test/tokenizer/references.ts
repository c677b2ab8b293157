// The reference tokenizers that tests and the bench compare gpt-lab with (devDependencies only).
// Required rather than imported: js-tiktoken ships ES-module types and gpt-tokenizer's declarations
// do not parse with this TypeScript, so each gets the small interface used here.

/** An encoder as the comparisons use it. */
export interface ReferenceEncoder {
  encode(text: string, allowedSpecial?: 'all' | string[], disallowedSpecial?: 'all' | string[]): ArrayLike<number>;
}

/** js-tiktoken (pure JavaScript port of tiktoken). */
export function jsTiktoken(name: string): ReferenceEncoder {
  return (require('js-tiktoken') as { getEncoding(n: string): ReferenceEncoder }).getEncoding(name);
}

/** tiktoken: OpenAI's Rust tiktoken compiled to WebAssembly, the reference implementation. */
export function wasmTiktoken(name: string): ReferenceEncoder {
  const enc = (require('tiktoken') as { get_encoding(n: string): ReferenceEncoder }).get_encoding(name);
  return { encode: (text, allowed, disallowed) => enc.encode(text, allowed ?? [], disallowed ?? 'all') };
}

/** gpt-tokenizer (its encode, ordinary text only). */
export function gptTokenizer(name: string): ReferenceEncoder {
  return require(`gpt-tokenizer/encoding/${name}`) as ReferenceEncoder;
}

/** tiktoken's Tiktoken class: a BPE from rank data in js-tiktoken's compact format and a Rust regex. */
type TiktokenClass = new (ranks: string, special: Record<string, number>, pattern: string) => {
  encode_ordinary(text: string): Uint32Array;
  decode_single_token_bytes(id: number): Uint8Array;
  free(): void;
};

/** Rank data holding the 256 single bytes, then `extra` (each a byte string), in js-tiktoken's format. */
function ranksWith(extra: Iterable<Uint8Array>): string {
  const parts = ['! 0'];
  for (let b = 0; b < 256; b++) parts.push(Buffer.from([b]).toString('base64'));
  for (const t of extra) parts.push(Buffer.from(t).toString('base64'));
  return parts.join(' ');
}

/**
 * Which of `codePoints` tiktoken's Rust regex puts in a class such as `\p{L}` or `\s`, by its own
 * Unicode tables. How: the pattern `CLASS!|(?s:.)` over the text "c1!c2!c3!…", with a vocabulary
 * holding every "c!" as one token; tiktoken first looks each chunk up whole, so c's token comes back
 * exactly when "c!" was one chunk, that is when c is in the class. ('!' itself and surrogates are
 * left out.)
 *
 *   tiktokenClassMembers(String.raw`\p{N}`, [0x31, 0x41]) → Set { 0x31 }
 */
export function tiktokenClassMembers(cls: string, codePoints: readonly number[]): Set<number> {
  const { Tiktoken } = require('tiktoken') as { Tiktoken: TiktokenClass };
  const list = codePoints.filter((cp) => cp !== 0x21 && (cp < 0xd800 || cp > 0xdfff));
  const tokens = list.map((cp) => Buffer.from(`${String.fromCodePoint(cp)}!`));
  const enc = new Tiktoken(ranksWith(tokens), {}, `${cls}!|(?s:.)`);
  try {
    const ids = enc.encode_ordinary(list.map((cp) => `${String.fromCodePoint(cp)}!`).join(''));
    return new Set(Array.from(ids).filter((id) => id >= 256).map((id) => list[id - 256]));
  } finally {
    enc.free();
  }
}

/**
 * tiktoken's chunks of each probe under a Rust split pattern (`pattern` as OpenAI writes it), read
 * back from its ids: the vocabulary holds every substring of the probes (up to `maxBytes` bytes) as a
 * token, and tiktoken first looks each chunk up whole, so every chunk comes back as one token.
 *
 *   tiktokenSplitter(gpt4Pattern, ["it's 12345"]).split("it's 12345") → ['it', "'s", ' ', '123', '45']
 */
export function tiktokenSplitter(pattern: string, probes: readonly string[], maxBytes = 64): { split(text: string): string[]; free(): void } {
  const { Tiktoken } = require('tiktoken') as { Tiktoken: TiktokenClass };
  const seen = new Set<string>(), extra: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) seen.add(String.fromCharCode(b));
  for (const p of probes) {
    const u = Buffer.from(p);
    for (let i = 0; i < u.length; i++) {
      for (let j = i + 2; j <= Math.min(u.length, i + maxBytes); j++) {
        const key = u.toString('latin1', i, j);
        if (!seen.has(key)) { seen.add(key); extra.push(u.subarray(i, j)); }
      }
    }
  }
  const enc = new Tiktoken(ranksWith(extra), {}, pattern);
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  return {
    split: (text) => Array.from(enc.encode_ordinary(text), (id) => decoder.decode(enc.decode_single_token_bytes(id))),
    free: () => enc.free(),
  };
}
