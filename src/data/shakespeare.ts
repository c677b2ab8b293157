// Lesson 3 of the data pipeline: Tiny Shakespeare, two ways.
//
// nanoGPT's first experiment trains on this one 1.1 MB file, either character by character (a
// vocabulary of the 65 characters that occur in it) or with a BPE tokenizer. This file gives both
// views: a char-level vocabulary with encode/decode, and the plain train/val text a BPE tokenizer
// takes, split as nanoGPT splits it (the first 90% of the characters for training, the rest for
// validation: 1,003,854 / 111,540); `shakespeareStreams` turns either into token streams.
//
// Left out: the BPE itself (src/tokenizer) and batching (src/data/batch.ts).

import { assert } from '../util/assert';
import { FetchOptions, readDatasetText } from './download';
import { StreamSplit, streamFromIds } from './stream';

/** A character-level vocabulary: id i is the i-th character in code-point order. */
export interface CharVocab {
  /** The characters, sorted (nanoGPT's sorted(set(text))). */
  chars: readonly string[];
  /** Number of ids (chars.length). */
  vocabSize: number;
  /** Text to ids; throws on a character outside the vocabulary. */
  encode(text: string): number[];
  /** Ids to text; throws on an id outside the vocabulary. */
  decode(ids: ArrayLike<number>): string;
}

/** Text split into a training part and a validation part. */
export interface TextSplit {
  train: string;
  val: string;
}

/**
 * The char-level vocabulary of a text: its distinct characters, sorted by code point.
 *
 *   charVocab('hello').chars → ['e', 'h', 'l', 'o'];  .encode('hole') → [1, 3, 2, 0];  .decode([1, 0]) → 'he'
 */
export function charVocab(text: string): CharVocab {
  // subtle: iterate code points, not UTF-16 units, so an emoji is one character, not two halves.
  const chars = [...new Set(Array.from(text))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const stoi = new Map(chars.map((c, i) => [c, i]));
  return {
    chars,
    vocabSize: chars.length,
    encode(s: string): number[] {
      return Array.from(s, (c) => {
        const id = stoi.get(c);
        assert(id !== undefined,
          () => `charVocab.encode: character ${JSON.stringify(c)} is not in the vocabulary of ${chars.length} ` +
            `characters; build the vocabulary from text that contains it`);
        return id;
      });
    },
    decode(ids: ArrayLike<number>): string {
      let out = '';
      for (let i = 0; i < ids.length; i++) {
        const c = chars[ids[i]];
        assert(c !== undefined,
          () => `charVocab.decode: id ${ids[i]} at position ${i} is outside the vocabulary (0..${chars.length - 1})`);
        out += c;
      }
      return out;
    },
  };
}

/**
 * nanoGPT's split: the first floor(n * trainFraction) characters train, the rest validate.
 *
 *   splitText('abcdefghij', 0.9) → { train: 'abcdefghi', val: 'j' }
 */
export function splitText(text: string, trainFraction = 0.9): TextSplit {
  assert(trainFraction > 0 && trainFraction < 1,
    () => `trainFraction ${trainFraction} must be between 0 and 1 (exclusive), e.g. 0.9`);
  const n = Math.floor(text.length * trainFraction);
  return { train: text.slice(0, n), val: text.slice(n) };
}

/** Tiny Shakespeare, both views. */
export interface Shakespeare {
  /** The whole file. */
  text: string;
  /** Its 65-character vocabulary. */
  vocab: CharVocab;
  /** The 90/10 split as text: what a BPE tokenizer (or the char vocabulary) encodes. */
  split: TextSplit;
}

/**
 * Loads Tiny Shakespeare (cache → GPTLAB_MIRROR → download) and builds both views.
 *
 *   const s = await loadShakespeare();  s.vocab.vocabSize → 65;  s.split.train.length → 1003854
 */
export async function loadShakespeare(options: FetchOptions = {}): Promise<Shakespeare> {
  const text = await readDatasetText('tinyshakespeare', options);
  return { text, vocab: charVocab(text), split: splitText(text, 0.9) };
}

/**
 * Tiny Shakespeare as train/val token streams, through any tokenizer: the char view
 * (`s.vocab.encode`, 65 ids) or a BPE one. Each half is encoded on its own, as nanoGPT does, so no
 * token straddles the split.
 *
 *   shakespeareStreams(s, s.vocab.encode, 65).train.tokens.length → 1003854
 *   shakespeareStreams(s, gpt2.encode, 50257): train 301,966 tokens, val 36,059 (nanoGPT's prepare.py)
 */
export function shakespeareStreams(
  s: Shakespeare, encode: (text: string) => ArrayLike<number>, vocabSize: number,
): StreamSplit {
  return { train: streamFromIds(encode(s.split.train), vocabSize), val: streamFromIds(encode(s.split.val), vocabSize) };
}
