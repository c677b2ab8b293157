// Lesson 10 of the tokenizer: the chat tokenizer every model after notebook 01 reads through.
//
// Notebook 01 trains a BPE on Tiny Shakespeare; the chat models need one trained on what they will
// read: the task world's documents and its conversations (facts, retrieval with passages, worked
// arithmetic, calculator calls, the labeler's polite and rude replies). Three choices differ from
// GPT-4's tokenizer:
//   - digits are split one per token, as LLaMA does. GPT-4 groups up to three digits, so 347 is one
//     token and 3470 is '347' + '0': the same digit '4' sits in different tokens depending on the
//     number's length, and column arithmetic ("7+5=12, write 2, carry 1") has to be learned for a
//     thousand 3-digit tokens instead of ten digits. With one digit per token, column k of a sum
//     is always one token, whatever the numbers.
//   - the special tokens are the chat tokens of src/data/char-tokenizer.ts (same names, same order,
//     so code that asks for '<|bos|>' works with either tokenizer), then reserved ones for notebooks
//     07-09: retrieved passages, quality tags, and spare slots so a later notebook can add a token
//     without changing the vocabulary size of every checkpoint.
//   - the whole tokenizer, split pattern included, is one JSON text (`toJSON`), saved beside each
//     checkpoint, so a checkpoint directory is self-contained.
//
//   const tok = trainChatTokenizer(worldTokenizerTexts(makeWorld()), CHAT_VOCAB_SIZE);
//   tok.encode('What is 347+85?') → [..'What', ' is', ' ', '3', '4', '7', '+', '8', '5', '?']
//   tok.special('<|bos|>')         → the id after the learned tokens + 1
//   chatTokenizerFromJSON(tok.toJSON()).encode(s) equals tok.encode(s)
//
// Encoding plain text never yields a special id: '<|bos|>' typed by a user is ordinary bytes.
//
// Left out: the split pattern's other uses (patterns.ts keeps OpenAI's); the trainer itself (train.ts).

import { type Pair } from './base';
import { learnMerges } from './train';
import { Tokenizer } from './tokenizer';
import { CHAT_SPECIALS, ChatTokenizer } from '../data/char-tokenizer';
import { take } from '../data/world/task';
import { arithmeticTask } from '../data/world/arithmetic';
import { calculatorTask } from '../data/world/calculator';
import { corpusTexts, pretrainingCorpus } from '../data/world/documents';
import { preferenceTask } from '../data/world/labeler';
import { factsTask, retrievalTask } from '../data/world/questions';
import { World } from '../data/world/world';
import { Conversation } from '../data/conversation';
import { assert, GptLabError } from '../util/assert';

/** Reserved specials for notebooks 07-09, after the chat tokens (tool call and result are chat tokens). */
export const RESERVED_SPECIALS = [
  // a retrieved passage placed in the prompt (notebook 08)
  '<|passage_start|>', '<|passage_end|>',
  // quality tags, e.g. to condition a model on the labeler's verdict (notebook 09)
  '<|good|>', '<|bad|>',
  // spare slots: a later notebook renames one instead of growing every checkpoint's vocabulary
  '<|reserved_0|>', '<|reserved_1|>', '<|reserved_2|>', '<|reserved_3|>',
] as const;

/** The chat tokenizer's special tokens, in id order: CHAT_SPECIALS, then RESERVED_SPECIALS. */
export const CHAT_BPE_SPECIALS: readonly string[] = [...CHAT_SPECIALS, ...RESERVED_SPECIALS];

/** What each special token marks, for tables in notebooks. */
export const CHAT_SPECIAL_USES: Readonly<
  Record<(typeof CHAT_SPECIALS)[number] | (typeof RESERVED_SPECIALS)[number], string>
> = {
  '<|endoftext|>': 'ends a pretraining document (GPT-2)',
  '<|bos|>': 'starts every conversation',
  '<|user_start|>': 'opens a user turn', '<|user_end|>': 'closes it',
  '<|assistant_start|>': "opens the assistant's turn: the cue to answer",
  '<|assistant_end|>': 'closes it: the model learns to stop',
  '<|tool_start|>': 'opens a tool call the assistant writes (notebook 09)', '<|tool_end|>': 'closes it: the tool runs',
  '<|output_start|>': "opens the tool's result, written by the tool", '<|output_end|>': 'closes it',
  '<|reward|>': "the reward model's read-out position (notebook 05)",
  '<|passage_start|>': 'opens a retrieved passage (notebook 08)', '<|passage_end|>': 'closes it',
  '<|good|>': 'quality tag: a reply the labeler liked', '<|bad|>': 'quality tag: a reply it did not',
  '<|reserved_0|>': 'spare', '<|reserved_1|>': 'spare', '<|reserved_2|>': 'spare', '<|reserved_3|>': 'spare',
};

/**
 * GPT-4's split pattern with one change: `\p{N}` (one digit per chunk) where GPT-4 has `\p{N}{1,3}`.
 * Written for JavaScript (`u` flag) as patterns.ts explains: `\s` as `\p{White_Space}`, the
 * possessive `?+` and `++` as a lookahead with a back-reference.
 *
 *   splitChat("It's 1234 cats!\n") → ['It', "'s", ' ', '1', '2', '3', '4', ' cats', '!\n']
 */
export const CHAT_SPLIT_PATTERN = [
  String.raw`'(?:[sSſdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])`,
  String.raw`(?=([^\r\n\p{L}\p{N}]?))\1\p{L}+`,
  String.raw`\p{N}`,
  String.raw` ?(?=([^\p{White_Space}\p{L}\p{N}]+))\2[\r\n]*`,
  String.raw`\p{White_Space}*[\r\n]`,
  String.raw`\p{White_Space}+(?!\P{White_Space})`,
  String.raw`\p{White_Space}+`,
].join('|');

/** The `format` and `version` of a chat tokenizer's JSON; `chatTokenizerFromJSON` checks both. */
export const CHAT_TOKENIZER_FORMAT = 'gpt-lab-chat-tokenizer';
export const CHAT_TOKENIZER_VERSION = 1;

/**
 * The model vocabulary of every chat stage: 256 bytes + 589 merges + CHAT_BPE_SPECIALS.length specials.
 * Chosen by measurement (measureChatVocab in src/train/vocab-size.ts, the table of notebook 01): a
 * 2-layer, 64-wide GPT with a 128-token context trained on the world's documents with the same
 * training FLOPs (3.0e11) at each size, held-out bits per byte (full profile, one seed, wasm, 2 cores):
 *
 *   char (107 ids) 1.73 | 384: 1.28 | 512: 1.17 | 640: 1.14 | 864: 1.10
 *
 * and with two thirds of that budget the same order (char 2.26, 384 1.51, 512 1.39, 640 1.32, 893 1.27).
 * Every merge helps: the world's vocabulary is small (a few dozen words, some hundred invented names),
 * so each merge makes a frequent word or name one token; the text per token (1.72 → 2.16 bytes) grows
 * faster than the cost per token (+20% FLOPs from 384 to 864). The world's text runs out of pairs at 893
 * ids; 864 is the largest multiple of 32 below that, so the tokenizer has exactly the size asked.
 */
export const CHAT_VOCAB_SIZE = 864;

/** The chat tokenizer: a ChatTokenizer with its file form. */
export interface ChatBpeTokenizer extends ChatTokenizer {
  /** The tokenizer.json text: format, version, split pattern, merges, specials. */
  toJSON(): string;
  /**
   * The underlying BPE (merges and special ids), for token colors and byte counts. Subtle: it does not
   * split (pattern 'none'), so encode with the chat tokenizer's `encode`, never `bpe.encode`.
   */
  readonly bpe: Tokenizer;
  /** The split pattern (a JavaScript regex source, used with the `u` flag). */
  readonly pattern: string;
}

/** The JSON form of a chat tokenizer. */
interface ChatTokenizerFile {
  format: typeof CHAT_TOKENIZER_FORMAT;
  version: number;
  pattern: string;
  /** Merge i makes token 256 + i. */
  merges: Pair[];
  /** Special token i has id 256 + merges.length + i. */
  specials: string[];
}

/**
 * Splits text into the chunks the chat tokenizer merges within.
 *
 *   splitChat('What is 347+85?') → ['What', ' is', ' ', '3', '4', '7', '+', '8', '5', '?']
 */
export function splitChat(text: string, pattern: string = CHAT_SPLIT_PATTERN): string[] {
  return Array.from(text.matchAll(new RegExp(pattern, 'gu')), (m) => m[0]);
}

/**
 * Counts distinct chunks over texts, as train.ts's countChunks does for a named pattern.
 *
 *   chunkCounts(['1 1']) → Map { '1' => 2, ' ' => 1 }
 */
function chunkCounts(texts: readonly string[], pattern: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts)
    for (const chunk of splitChat(text, pattern)) counts.set(chunk, (counts.get(chunk) ?? 0) + 1);
  return counts;
}

/**
 * Trains the chat tokenizer: `vocabSize` ids in all, 256 bytes + merges + the specials. Deterministic
 * (the same texts give the same merges). The texts hold no special tokens (a conversation's frame is
 * added by ids, never as text); if the texts run out of pairs, fewer merges are learned and
 * `vocabSize` of the result is smaller than asked.
 *
 *   trainChatTokenizer(['aaab aaab'], 256 + 2 + CHAT_BPE_SPECIALS.length).encode('aaab') → [256, 257]  (aa, then ab)
 */
export function trainChatTokenizer(texts: readonly string[], vocabSize: number): ChatBpeTokenizer {
  const minimum = 256 + CHAT_BPE_SPECIALS.length;
  assert(Number.isInteger(vocabSize) && vocabSize >= minimum,
    () => `chat vocabSize ${vocabSize} must be an integer of at least ${minimum} ` +
      `(256 bytes + ${CHAT_BPE_SPECIALS.length} specials)`);
  const merges = learnMerges(chunkCounts(texts, CHAT_SPLIT_PATTERN), vocabSize - CHAT_BPE_SPECIALS.length);
  return chatTokenizer(merges, CHAT_SPLIT_PATTERN, CHAT_BPE_SPECIALS);
}

/**
 * The chat tokenizer from its JSON text; the format and version must match, the pattern compile.
 *
 *   chatTokenizerFromJSON(tok.toJSON()).vocabSize === tok.vocabSize → true
 *   chatTokenizerFromJSON('{"format":"gpt-lab-tokenizer", ...}') → throws: not a chat tokenizer file
 */
export function chatTokenizerFromJSON(json: string): ChatBpeTokenizer {
  let data: Partial<ChatTokenizerFile>;
  try {
    data = JSON.parse(json) as Partial<ChatTokenizerFile>;
  } catch (e) {
    throw new GptLabError(
      `chat tokenizer: the text is not valid JSON (${(e as Error).message}); the file is truncated or corrupt`);
  }
  assert(data !== null && typeof data === 'object' && data.format === CHAT_TOKENIZER_FORMAT,
    () => `chat tokenizer: format is '${(data as { format?: unknown } | null)?.format}', ` +
      `expected '${CHAT_TOKENIZER_FORMAT}'; ` +
      'this is not a chat tokenizer file (a Tiny Shakespeare tokenizer loads with loadTokenizer)');
  assert(data.version === CHAT_TOKENIZER_VERSION,
    () => `chat tokenizer: version ${data.version}, but this gpt-lab reads version ${CHAT_TOKENIZER_VERSION}; ` +
      `retrain it or update gpt-lab`);
  assert(typeof data.pattern === 'string' && Array.isArray(data.merges) && Array.isArray(data.specials) &&
    data.specials.every((s) => typeof s === 'string'),
  () => 'chat tokenizer: the file lacks pattern, merges or specials; it is truncated or corrupt');
  try {
    new RegExp(data.pattern, 'u');
  } catch (e) {
    throw new GptLabError(
      `chat tokenizer: the split pattern does not compile (${(e as Error).message}); the file is corrupt`);
  }
  return chatTokenizer(data.merges, data.pattern, data.specials);
}

/** The ChatBpeTokenizer for merges, a split pattern and specials (ids after the learned tokens). */
function chatTokenizer(merges: readonly Pair[], pattern: string, specials: readonly string[]): ChatBpeTokenizer {
  const learned = 256 + merges.length;
  // the split happens here, so the BPE itself splits nothing ('none'): it only merges each chunk
  const bpe = Tokenizer.fromMerges(merges, 'none', new Map(specials.map((name, i) => [name, learned + i])));
  const vocabSize = learned + specials.length;
  const re = new RegExp(pattern, 'gu');
  const json = JSON.stringify({
    format: CHAT_TOKENIZER_FORMAT, version: CHAT_TOKENIZER_VERSION, pattern,
    merges: merges.map(([a, b]) => [a, b]), specials: [...specials],
  } satisfies ChatTokenizerFile);
  return {
    bpe,
    pattern,
    specials: [...specials],
    vocabSize,
    encode(text: string): number[] {
      const out: number[] = [];
      re.lastIndex = 0;
      // subtle: bpe.encodeOrdinary never looks for special tokens, so '<|bos|>' in text stays bytes
      for (const m of text.matchAll(re)) for (const id of bpe.encodeOrdinary(m[0])) out.push(id);
      return out;
    },
    decode(ids: ArrayLike<number>): string {
      for (let i = 0; i < ids.length; i++) {
        const id = ids[i];
        assert(Number.isInteger(id) && id >= 0 && id < vocabSize,
          () => `chat tokenizer: id ${id} at position ${i} is outside 0..${vocabSize - 1}`);
      }
      return bpe.decode(ids);
    },
    special(name: string): number {
      const id = bpe.specialTokens.get(name);
      assert(id !== undefined, () => `chat tokenizer: no special token '${name}'; it has ${specials.join(', ')}`);
      return id;
    },
    isSpecial: (id) => Number.isInteger(id) && id >= learned && id < vocabSize,
    toJSON: () => json,
  };
}

/** How many examples of each task kind `worldTokenizerTexts` renders. */
const EXAMPLES_PER_TASK = 300;

/** The texts of a conversation's messages, one string each (the frame is special tokens, never text). */
function conversationTexts(conv: Conversation): string[] {
  return conv.messages.flatMap((m) => (m.role === 'assistant'
    ? m.parts.map((p) => (p.kind === 'text' ? p.text : p.kind === 'toolCall' ? p.input : p.output))
    : [m.text]));
}

/**
 * What the chat tokenizer trains on: the world's pretraining documents (2000 of them), and 300
 * rendered conversations of each task kind: closed-book facts, retrieval with three passages,
 * worked sums and products of 2, 3 and 4 digits, calculator calls with their results, and the
 * labeler's replies (polite, plain, rude, padded). One string per message, so no chunk spans two.
 *
 *   worldTokenizerTexts(makeWorld())[0] → 'Dusem is in the north. Dusem was founded in 883.'
 */
export function worldTokenizerTexts(world: World): string[] {
  const n = EXAMPLES_PER_TASK;
  const seed = world.config.seed;
  const texts = [...corpusTexts(pretrainingCorpus(world, { size: 2000, seed }))];
  const questions = [
    ...take(factsTask(world, { size: n, seed }), n),
    ...take(retrievalTask(world, { size: n, seed, distractors: 2 }), n),
    ...[2, 3, 4].flatMap((digits) => take(arithmeticTask({ size: n, seed, digits }), n)),
    ...take(calculatorTask({ size: n, seed }), n),
  ];
  for (const q of questions) texts.push(...conversationTexts(q.conversation));
  for (const p of take(preferenceTask(world, { size: n, seed }), n)) texts.push(...p.replies);
  return texts;
}
