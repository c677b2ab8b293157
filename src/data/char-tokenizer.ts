// A side lesson of the data pipeline: the simplest tokenizer that has special tokens.
//
// Notebook 01 builds a BPE tokenizer, which merges frequent byte pairs into subword tokens. To look at
// batches and masks cell by cell, one character per token reads better: this tokenizer gives every
// character of a fixed alphabet one id (printable ASCII and the newline, which is all the task world
// writes), then appends one id per special token: GPT-2's <|endoftext|>, which separates documents in
// the pretraining stream, and nanochat's chat tokens, which frame the turns of a conversation.
//
//   const tok = charTokenizer();
//   tok.encode('Hi')                                  → [41, 74]
//   tok.special('<|endoftext|>')                      → 96
//   tok.decode([41, 74, 96])                          → 'Hi<|endoftext|>'
//
// Special tokens never come out of `encode`: the text '<|bos|>' is seven ordinary characters, so a
// user cannot forge a turn boundary by typing it.
//
// Left out: characters outside the alphabet (an error that names them) and merges (src/tokenizer).

import { assert } from '../util/assert';
import { ChatTokens } from './conversation';
import { CharVocab, charVocab } from './shakespeare';

/** The newline and the printable ASCII characters ' '..'~': 96 characters, ids 0..95. */
export const PRINTABLE_ASCII = '\n' + Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('');

/** <|endoftext|>, the chat tokens and the reward token, in id order after the alphabet. */
export const CHAT_SPECIALS = [
  '<|endoftext|>', '<|bos|>', '<|user_start|>', '<|user_end|>', '<|assistant_start|>', '<|assistant_end|>',
  '<|tool_start|>', '<|tool_end|>', '<|output_start|>', '<|output_end|>',
  // the reward model's read-out token, appended after a reply (the talk's green token)
  '<|reward|>',
] as const;

/**
 * What every stage after pretraining needs of a tokenizer: plain text ↔ ids, and the ids of the
 * special tokens that frame documents and chat turns. The char-level tokenizer below and the lab's
 * BPE chat tokenizer both fit it.
 */
export interface ChatTokenizer {
  /** The special tokens, in id order. */
  specials: readonly string[];
  /** chars.length + specials.length. */
  vocabSize: number;
  /** Plain text to ids (never a special id); throws on a character outside the alphabet. */
  encode(text: string): number[];
  /** Ids to text; a special id decodes to its name ('<|endoftext|>'). */
  decode(ids: ArrayLike<number>): string;
  /** The id of a special token. */
  special(name: string): number;
  /** True for the ids of special tokens. */
  isSpecial(id: number): boolean;
}

/** One id per character of an alphabet, then one per special token (special i has id chars.length + i). */
export interface CharTokenizer extends ChatTokenizer {
  /** The characters, in id order (sorted by code point). */
  chars: readonly string[];
}

/**
 * A char-level tokenizer over `alphabet` with `specials` appended.
 *
 *   charTokenizer('ab', ['<|endoftext|>']) → encode('ba') [1, 0], special('<|endoftext|>') 2, vocabSize 3
 */
export function charTokenizer(
  alphabet: string = PRINTABLE_ASCII, specials: readonly string[] = CHAT_SPECIALS,
): CharTokenizer {
  const vocab: CharVocab = charVocab(alphabet);
  assert(vocab.vocabSize > 0, () => 'charTokenizer: the alphabet is empty; pass the characters the text uses');
  const ids = new Map<string, number>();
  specials.forEach((name, i) => {
    assert(name.length > 1,
      () => `charTokenizer: special token '${name}' must be longer than one character, ` +
        `so it cannot be mistaken for one`);
    assert(!ids.has(name), () => `charTokenizer: special token '${name}' is listed twice`);
    ids.set(name, vocab.vocabSize + i);
  });
  const n = vocab.vocabSize;
  const vocabSize = n + specials.length;
  return {
    chars: vocab.chars,
    specials: [...specials],
    vocabSize,
    encode: (text) => vocab.encode(text),
    decode(list: ArrayLike<number>): string {
      let out = '';
      for (let i = 0; i < list.length; i++) {
        const id = list[i];
        assert(Number.isInteger(id) && id >= 0 && id < vocabSize,
          () => `charTokenizer.decode: id ${id} at position ${i} is outside 0..${vocabSize - 1}`);
        out += id < n ? vocab.chars[id] : specials[id - n];
      }
      return out;
    },
    special(name: string): number {
      const id = ids.get(name);
      assert(id !== undefined,
        () => `charTokenizer: no special token '${name}'; it has ${specials.join(', ') || 'none'}`);
      return id;
    },
    isSpecial: (id) => id >= n && id < vocabSize,
  };
}

/**
 * The chat token ids a tokenizer with CHAT_SPECIALS gives renderConversation.
 *
 *   renderConversation({ messages: [user('hi'), assistant(say('yo'))] }, chatTokens(charTokenizer())).ids
 *     → [97, 98, 73, 74, 99, 100, 90, 80, 101]
 *        (bos, user_start, 'h', 'i', user_end, assistant_start, 'y', 'o', assistant_end)
 */
export function chatTokens(tok: ChatTokenizer): ChatTokens {
  const s = (name: (typeof CHAT_SPECIALS)[number]) => tok.special(name);
  return {
    encode: tok.encode,
    bos: s('<|bos|>'),
    userStart: s('<|user_start|>'),
    userEnd: s('<|user_end|>'),
    assistantStart: s('<|assistant_start|>'),
    assistantEnd: s('<|assistant_end|>'),
    toolStart: s('<|tool_start|>'),
    toolEnd: s('<|tool_end|>'),
    outputStart: s('<|output_start|>'),
    outputEnd: s('<|output_end|>'),
  };
}
