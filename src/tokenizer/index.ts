// The tokenizer lessons, in order: bytes → base (BPE by hand) → patterns + unicode (its Unicode version)
// → queue + train (fast training) → bpe (fast merging) → special → cache + tokenizer (the Tokenizer
// class) → pretrained (OpenAI's encodings) → io (files) → stats (bytes and words per token) → chat (the
// chat models' tokenizer, trained on the task world). This index re-exports what notebooks and other
// stages use; the internals (PairTable, ChunkCache, PairQueue) stay importable from their own files.

export { utf8Encode, utf8Decode, toWellFormed, bytesKey } from './bytes';
export { type Pair, getStats, merge, bestPair, trainBasic, encodeBasic, decodeBasic, vocabBytes } from './base';
export {
  type PatternName, PATTERN_NAMES, ORIGINAL_PATTERNS, SPLIT_FLAGS, SPLIT_PATTERNS, splitText, splitRegex,
} from './patterns';
export { category, REFERENCE_UNICODE } from './unicode';
export { type MergeEvent, countChunks, learnMerges } from './train';
export { type SpecialSet, type EncodeOptions } from './special';
export { Tokenizer, type MergeRule, type TrainOptions, train } from './tokenizer';
export { type EncodingName, ENCODING_NAMES, getEncoding } from './pretrained';
export {
  type TokenizerFile, type TiktokenOptions, saveTokenizer, loadTokenizer, trainFiles, toJSON, fromJSON, exportTiktoken,
  importTiktoken,
} from './io';
export { type TextStats, countWords, measure, bytesPerToken, truncateVocab, longestTokens } from './stats';
export {
  type ChatBpeTokenizer, CHAT_BPE_SPECIALS, RESERVED_SPECIALS, CHAT_SPECIAL_USES, CHAT_SPLIT_PATTERN, CHAT_VOCAB_SIZE,
  splitChat, trainChatTokenizer,
  chatTokenizerFromJSON, worldTokenizerTexts,
} from './chat';
