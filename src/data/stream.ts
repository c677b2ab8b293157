// Lesson 4 of the data pipeline: from documents to one long stream of token ids.
//
// Pretraining sees no documents, only a stream: every document is encoded and followed by the
// end-of-text token, and the results are laid end to end (GPT-2's <|endoftext|> convention). The
// stream is a typed array (Uint16Array while ids fit in 16 bits, as nanoGPT's train.bin), never an
// array of JS numbers: a million tokens is 2 MB, not 8 MB plus an object per element. The stream
// remembers where each document starts, so a batch can say which document each cell came from.
//
// Left out: the tokenizer (pass any `encode` function) and batching (src/data/batch.ts).

import { assert } from '../util/assert';

/** Token ids, as compact as the vocabulary allows. */
export type TokenArray = Uint16Array | Uint32Array;

/** Documents laid end to end as token ids. */
export interface TokenStream {
  /** The ids: document 0, eot, document 1, eot, ... */
  tokens: TokenArray;
  /** docStarts[j] is the position where the j-th document of this stream starts; docStarts[0] = 0. */
  docStarts: Uint32Array;
  /** The corpus-wide index of this stream's first document (not 0 for a validation split). */
  firstDoc: number;
  /** Every id is below this. */
  vocabSize: number;
}

/** How documents are joined. */
export interface PackConfig {
  /** The <|endoftext|> id placed after every document. */
  eotId: number;
  /** The vocabulary size: ids must lie in 0..vocabSize-1; it picks the array type. */
  vocabSize: number;
}

/** A stream cut in two. */
export interface StreamSplit {
  train: TokenStream;
  val: TokenStream;
}

/**
 * An empty token array of the smallest type that holds ids below vocabSize.
 *
 *   tokenArray(65, 3) → Uint16Array [0, 0, 0];  tokenArray(100277, 2) → Uint32Array [0, 0]
 */
export function tokenArray(vocabSize: number, length: number): TokenArray {
  assert(Number.isSafeInteger(vocabSize) && vocabSize > 0 && vocabSize <= 2 ** 32,
    () => `vocabSize ${vocabSize} must be an integer in 1..2^32`);
  return vocabSize <= 65536 ? new Uint16Array(length) : new Uint32Array(length);
}

function checkId(id: number, vocabSize: number, where: () => string): void {
  assert(Number.isInteger(id) && id >= 0 && id < vocabSize,
    () => `token id ${id} ${where()} is outside 0..${vocabSize - 1}; is vocabSize (${vocabSize}) the tokenizer's?`);
}

/**
 * Encodes documents and joins them, each followed by eotId.
 *
 *   encode = chars of 'ab' and 'cde' as 1..5, eot 0
 *   packDocuments(['ab', 'cde'], encode, { eotId: 0, vocabSize: 6 })
 *     → tokens Uint16Array [1, 2, 0, 3, 4, 5, 0], docStarts [0, 3], firstDoc 0
 */
export function packDocuments(
  docs: Iterable<string>, encode: (text: string) => number[], config: PackConfig,
): TokenStream {
  const { eotId, vocabSize } = config;
  let tokens = tokenArray(vocabSize, 1024);
  checkId(eotId, vocabSize, () => '(eotId)');
  const starts: number[] = [];
  let n = 0;
  for (const doc of docs) {
    const ids = encode(doc);
    const need = n + ids.length + 1;
    if (need > tokens.length) {
      const grown = tokenArray(vocabSize, Math.max(need, tokens.length * 2));
      grown.set(tokens.subarray(0, n));
      tokens = grown;
    }
    starts.push(n);
    for (let k = 0; k < ids.length; k++) {
      checkId(ids[k], vocabSize, () => `at position ${k} of document ${starts.length - 1}`);
      tokens[n++] = ids[k];
    }
    tokens[n++] = eotId;
  }
  assert(starts.length > 0, () => 'packDocuments: no documents given; pass at least one');
  return { tokens: tokens.slice(0, n), docStarts: Uint32Array.from(starts), firstDoc: 0, vocabSize };
}

/**
 * A stream holding one document with no eot (a single text, such as Tiny Shakespeare char by char).
 *
 *   streamFromIds([5, 6, 7], 65) → tokens Uint16Array [5, 6, 7], docStarts [0], firstDoc 0
 */
export function streamFromIds(ids: ArrayLike<number>, vocabSize: number): TokenStream {
  const tokens = tokenArray(vocabSize, ids.length);
  for (let i = 0; i < ids.length; i++) {
    checkId(ids[i], vocabSize, () => `at position ${i}`);
    tokens[i] = ids[i];
  }
  return { tokens, docStarts: Uint32Array.of(0), firstDoc: 0, vocabSize };
}

/**
 * The corpus-wide index of the document holding position `pos` (binary search over docStarts).
 *
 *   stream of ['ab', 'cde'] (tokens [1, 2, 0, 3, 4, 5, 0]): docIndexAt(stream, 2) → 0, docIndexAt(stream, 3) → 1
 */
export function docIndexAt(stream: TokenStream, pos: number): number {
  assert(Number.isInteger(pos) && pos >= 0 && pos < stream.tokens.length,
    () => `position ${pos} is outside the stream of ${stream.tokens.length} tokens`);
  return stream.firstDoc + lastStartAtOrBefore(stream.docStarts, pos);
}

/** The largest j with starts[j] <= pos (starts is sorted, starts[0] = 0). */
function lastStartAtOrBefore(starts: Uint32Array, pos: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= pos) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * nanoGPT's split: the first floor(n * trainFraction) tokens train, the rest validate. The cut may
 * fall inside a document; the validation stream then starts with that document's tail. Both parts
 * are views on the same memory (no copy).
 *
 *   splitStream(stream of 10 tokens, 0.9) → train: tokens 0..8, val: token 9
 */
export function splitStream(stream: TokenStream, trainFraction = 0.9): StreamSplit {
  assert(trainFraction > 0 && trainFraction < 1,
    () => `trainFraction ${trainFraction} must be between 0 and 1 (exclusive), e.g. 0.9`);
  const total = stream.tokens.length;
  const cut = Math.floor(total * trainFraction);
  assert(cut > 0 && cut < total,
    () => `splitting ${total} tokens at ${trainFraction} leaves an empty part (cut at ${cut}); use a longer stream`);
  const j = lastStartAtOrBefore(stream.docStarts, cut);
  const trainStarts = stream.docStarts.filter((s) => s < cut);
  const valStarts = Uint32Array.from([0, ...Array.from(stream.docStarts.subarray(j + 1), (s) => s - cut)]);
  return {
    train: {
      tokens: stream.tokens.subarray(0, cut), docStarts: trainStarts, firstDoc: stream.firstDoc,
      vocabSize: stream.vocabSize,
    },
    val: {
      tokens: stream.tokens.subarray(cut), docStarts: valStarts, firstDoc: stream.firstDoc + j,
      vocabSize: stream.vocabSize,
    },
  };
}
