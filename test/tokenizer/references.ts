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
