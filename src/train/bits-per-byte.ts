// Bits per byte: a loss that compares models across tokenizers.
//
// The training loss is in nats per token, and a token is a different amount of text under each
// tokenizer: one character for the char-level model, three or four bytes for a BPE on English. A BPE
// model with a loss of 4 nats per token may be better than a char model at 1.5, because each of its
// tokens says more. Dividing out the text fixes it: the loss over a text, in bits, divided by its
// bytes,
//
//   bits per byte = (loss in nats per token) × tokens / bytes / ln 2
//
// which is what a compressor driven by the model would need per byte of the text. Lower is better,
// and it does not care how the text was cut. Eight bits per byte is the cost of storing raw bytes.
//
// Left out: the loss itself (the Trainer's evaluate gives nats per token on a split).

import { assert } from '../util/assert';

/**
 * Bits per byte from a mean loss in nats per token over a text of `tokens` tokens and `bytes` bytes.
 *
 *   bitsPerByte(Math.LN2, 10, 10) → 1       (1 bit per token, one byte per token)
 *   bitsPerByte(2.0, 100, 350)    → 0.8244  (2 × 100 / 350 / 0.6931)
 */
export function bitsPerByte(lossPerToken: number, tokens: number, bytes: number): number {
  assert(Number.isFinite(lossPerToken) && lossPerToken >= 0,
    () => `bitsPerByte: the loss ${lossPerToken} must be a finite number of nats >= 0`);
  assert(Number.isInteger(tokens) && tokens > 0 && Number.isInteger(bytes) && bytes > 0,
    () => `bitsPerByte: tokens (${tokens}) and bytes (${bytes}) must be positive integers: ` +
      `count them on the text the loss was measured on`);
  return (lossPerToken * tokens) / bytes / Math.LN2;
}

/**
 * The bytes of a stream of ids, each id weighing `byteLength(id)` (looked up once per distinct id).
 * For a char tokenizer that is the UTF-8 length of the character; for a BPE, the token's bytes. A
 * special token such as <|endoftext|> stands for no text: give it 1, the separator it replaces, so
 * that every tokenizer of the same documents counts the same bytes.
 *
 *   streamBytes([0, 1, 1, 2], (id) => [1, 3, 1][id]) → 8
 */
export function streamBytes(ids: ArrayLike<number>, byteLength: (id: number) => number): number {
  const lengths = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    let n = lengths.get(id);
    if (n === undefined) {
      n = byteLength(id);
      assert(Number.isInteger(n) && n >= 0,
        () => `streamBytes: byteLength(${id}) is ${n}; it must be a whole number of bytes`);
      lengths.set(id, n);
    }
    total += n;
  }
  return total;
}
