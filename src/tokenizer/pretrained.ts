// Lesson 8 of the tokenizer: OpenAI's pretrained encodings.
//
// GPT-2 (r50k_base), Codex (p50k_base), GPT-3.5/GPT-4 (cl100k_base) and GPT-4o (o200k_base) are
// byte-level BPE vocabularies published as "ranks": the bytes of every token, in the order they were
// learned. gpt-lab reads the rank data that the npm package `js-tiktoken` ships (offline, no network)
// and encodes with its own BPE (bpe.ts) under tiktoken's rule; the tests check the ids against
// OpenAI's tiktoken and js-tiktoken.
//
// The package stores ranks compactly: lines of `! <first rank> <base64 token> <base64 token> ...`,
// where the tokens have consecutive ranks from the first one (a new line starts after a gap).
//
// Left out: the split patterns (patterns.ts: the package's own are JavaScript approximations that
// differ from OpenAI's on U+0085) and other file formats (io.ts reads .tiktoken files).

import { base64Key } from './bytes';
import type { PatternName } from './patterns';
import { Tokenizer } from './tokenizer';
import { assert, GptLabError } from '../util/assert';

/** The encodings gpt-lab can load. */
export type EncodingName = 'r50k_base' | 'p50k_base' | 'cl100k_base' | 'o200k_base';

interface EncodingSpec {
  /** Its split pattern. */
  pattern: PatternName;
  /** Its special tokens (from OpenAI's tiktoken). */
  specialTokens: Record<string, number>;
  /** How many ranked tokens the data holds, to detect a package that ships something else. */
  rankCount: number;
}

const ENCODINGS: Record<EncodingName, EncodingSpec> = {
  r50k_base: { pattern: 'gpt2', specialTokens: { '<|endoftext|>': 50256 }, rankCount: 50256 },
  p50k_base: { pattern: 'gpt2', specialTokens: { '<|endoftext|>': 50256 }, rankCount: 50280 },
  cl100k_base: {
    pattern: 'gpt4',
    specialTokens: {
      '<|endoftext|>': 100257, '<|fim_prefix|>': 100258, '<|fim_middle|>': 100259, '<|fim_suffix|>': 100260,
      '<|endofprompt|>': 100276,
    },
    rankCount: 100256,
  },
  o200k_base: {
    pattern: 'o200k', specialTokens: { '<|endoftext|>': 199999, '<|endofprompt|>': 200018 }, rankCount: 199998,
  },
};

/** Every EncodingName. */
export const ENCODING_NAMES = Object.keys(ENCODINGS) as EncodingName[];

/** The npm package whose rank data gpt-lab reads. */
export const RANKS_PACKAGE = 'js-tiktoken';

const loaded = new Map<EncodingName, Tokenizer>();

/**
 * A pretrained encoding by name, loaded once and then shared (about 0.3 s for cl100k_base).
 *
 *   getEncoding('cl100k_base').encode('hello world') → [15339, 1917]
 *   getEncoding('gpt5')                              → throws: unknown encoding, lists the known ones
 */
export function getEncoding(name: string): Tokenizer {
  assert(isEncodingName(name), () => `unknown encoding '${name}'; known encodings: ${ENCODING_NAMES.join(', ')}`);
  let tok = loaded.get(name);
  if (tok === undefined) {
    const spec = ENCODINGS[name];
    const tokens = parseCompactRanks(readRankData(name), `${RANKS_PACKAGE}/ranks/${name}`);
    const count = tokens.filter((t) => t !== undefined).length;
    assert(count === spec.rankCount, () => `${RANKS_PACKAGE}/ranks/${name} holds ${count} ranks, expected ` +
      `${spec.rankCount}; is the installed ${RANKS_PACKAGE} damaged? reinstall it`);
    tok = Tokenizer.fromRankKeys(tokens, spec.pattern, new Map(Object.entries(spec.specialTokens)));
    loaded.set(name, tok);
  }
  return tok;
}

/**
 * Whether `name` is an EncodingName.
 *
 *   isEncodingName('o200k_base') → true      isEncodingName('gpt2') → false
 */
export function isEncodingName(name: string): name is EncodingName {
  return Object.prototype.hasOwnProperty.call(ENCODINGS, name);
}

/**
 * Parses js-tiktoken's compact rank format into each token's bytes as a byte string (one char per
 * byte, see bytesKey), by rank; undefined in gaps.
 *
 *   parseCompactRanks('! 0 IQ== Ig==\n! 3 Iw==', 'demo') → ['!', '"', undefined, '#']
 */
export function parseCompactRanks(data: string, source: string): (string | undefined)[] {
  const tokens: (string | undefined)[] = [];
  data.split('\n').forEach((line, i) => {
    if (line === '') return;
    const [, first, ...b64] = line.split(' ');
    const start = Number(first);
    assert(Number.isInteger(start) && start >= tokens.length,
      () => `${source}: line ${i + 1} starts at rank '${first}', ` +
        `expected an integer of at least ${tokens.length}; the data is corrupt, reinstall ${RANKS_PACKAGE}`);
    b64.forEach((s, k) => {
      const bytes = base64Key(s);
      assert(bytes !== undefined,
        () => `${source}: token '${s}' on line ${i + 1} is not base64; reinstall ${RANKS_PACKAGE}`);
      tokens[start + k] = bytes;
    });
  });
  return tokens;
}

/** The `bpe_ranks` string the package ships for an encoding. */
function readRankData(name: EncodingName): string {
  const spec = `${RANKS_PACKAGE}/ranks/${name}`;
  let mod: { bpe_ranks?: unknown };
  try {
    // A runtime require of a data module: gpt-lab never calls js-tiktoken's encoder.
    mod = require(spec);
  } catch (e) {
    throw new GptLabError(`cannot load '${spec}' (${(e as Error).message.split('\n')[0]}); the pretrained ` +
      `encodings read their ranks from the npm package ${RANKS_PACKAGE}: run npm install ${RANKS_PACKAGE}`);
  }
  assert(typeof mod.bpe_ranks === 'string',
    () => `'${spec}' has no bpe_ranks string; is ${RANKS_PACKAGE} too old or too new?`);
  return mod.bpe_ranks;
}
