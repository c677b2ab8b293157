// Lesson 9 of the tokenizer: files.
//
// gpt-lab's own format is JSON, one object:
//
//   {
//     "format": "gpt-lab-tokenizer",   always this string
//     "version": 1,                    checked on load: a newer file is refused with a clear message
//     "pattern": "gpt4",               a PatternName (patterns.ts)
//     "rule": "merges",                'merges' (trained here) or 'ranks' (tiktoken vocabularies)
//     "vocabSize": 4096,               learned ids (256 + merges, or the length of ranks): a truncation check
//     "merges": [[32, 116], ...],      rule 'merges': merge i makes token 256 + i
//     "ranks": ["IQ==", ...],          rule 'ranks': base64 bytes of token i, null for an unused id
//     "specialTokens": {"<|endoftext|>": 4096}
//   }
//
// and OpenAI's `.tiktoken` rank files are read and written too: one line per token, its bytes in
// base64, a space, its rank (= id). They hold neither the split pattern nor the special tokens, so
// loading one takes both as options. Subtle: a .tiktoken file loads under the 'ranks' rule, so a
// tokenizer trained here, exported and loaded back, may split a rare chunk differently (bpe.ts).
//
// Left out: downloading. Every error here names the file and what to do about it.

import * as fs from 'fs';
import { type Pair } from './base';
import { base64Key, toBase64 } from './bytes';
import { isPatternName, PATTERN_NAMES, type PatternName } from './patterns';
import { Tokenizer, train, type TrainOptions } from './tokenizer';
import { assert, GptLabError } from '../util/assert';

/** The `format` field of a gpt-lab tokenizer file. */
export const FILE_FORMAT = 'gpt-lab-tokenizer';
/** The version this gpt-lab writes and reads. */
export const FILE_VERSION = 1;

/** A gpt-lab tokenizer file (see the header). */
export interface TokenizerFile {
  format: typeof FILE_FORMAT;
  version: number;
  pattern: PatternName;
  rule: 'merges' | 'ranks';
  vocabSize: number;
  merges?: [number, number][];
  ranks?: (string | null)[];
  specialTokens: Record<string, number>;
}

/**
 * The JSON form of a tokenizer.
 *
 *   toJSON(train('aaab', { vocabSize: 257, pattern: 'none', specialTokens: [] }))
 *   → { format: 'gpt-lab-tokenizer', version: 1, pattern: 'none', rule: 'merges', vocabSize: 257, merges: [[97, 97]],
 *       specialTokens: {} }
 */
export function toJSON(tok: Tokenizer): TokenizerFile {
  const base = { format: FILE_FORMAT, version: FILE_VERSION, pattern: tok.pattern, rule: tok.rule } as const;
  const specialTokens = Object.fromEntries(tok.specialTokens);
  if (tok.merges !== undefined) {
    return { ...base, vocabSize: tok.learnedSize, merges: tok.merges.map(([a, b]) => [a, b]), specialTokens };
  }
  const ranks = Array.from({ length: tok.learnedSize },
    (_, id) => (tok.hasToken(id) ? toBase64(tok.tokenBytes(id)) : null));
  return { ...base, vocabSize: tok.learnedSize, ranks, specialTokens };
}

/**
 * A tokenizer from its JSON form; `source` names the file in error messages.
 *
 *   fromJSON(JSON.parse(text), 'tok.json') → Tokenizer
 *   fromJSON({ format: 'gpt-lab-tokenizer', version: 2, ... }, 'tok.json') → throws: written by a newer gpt-lab
 */
export function fromJSON(data: unknown, source: string): Tokenizer {
  const file = checkHeader(data, source);
  const specials = readSpecials(file.specialTokens, source);
  if (file.rule === 'merges') return Tokenizer.fromMerges(readMerges(file, source), file.pattern, specials);
  return Tokenizer.fromRankKeys(readRanks(file, source), file.pattern, specials);
}

/** Checks format, version, pattern and rule, naming the file and the fix. */
function checkHeader(data: unknown, source: string): TokenizerFile {
  assert(typeof data === 'object' && data !== null && !Array.isArray(data),
    () => `${source} does not hold a JSON object; is it a gpt-lab tokenizer file?`);
  const f = data as Partial<TokenizerFile>;
  assert(f.format === FILE_FORMAT,
    () => `${source} has format ${JSON.stringify(f.format)}, expected '${FILE_FORMAT}'; ` +
      'is it a gpt-lab tokenizer file? (.tiktoken rank files load with loadTokenizer(path, { pattern }))');
  assert(f.version === FILE_VERSION, () => typeof f.version === 'number' && f.version > FILE_VERSION
    ? `${source} is version ${f.version}, written by a newer gpt-lab; ` +
      `this one reads version ${FILE_VERSION}: update gpt-lab`
    : `${source} has version ${JSON.stringify(f.version)}; this gpt-lab reads version ${FILE_VERSION}`);
  assert(isPatternName(f.pattern),
    () => `${source} has pattern ${JSON.stringify(f.pattern)}; known: ${PATTERN_NAMES.join(', ')}`);
  assert(f.rule === 'merges' || f.rule === 'ranks',
    () => `${source} has rule ${JSON.stringify(f.rule)}, expected 'merges' or 'ranks'`);
  assert(Number.isInteger(f.vocabSize) && f.vocabSize! >= 256,
    () => `${source} has vocabSize ${JSON.stringify(f.vocabSize)}; ` +
      'a byte-level vocabulary has at least 256 tokens (the file is corrupt)');
  return f as TokenizerFile;
}

function readSpecials(raw: unknown, source: string): Map<string, number> {
  assert(typeof raw === 'object' && raw !== null && !Array.isArray(raw),
    () => `${source}: specialTokens must be an object {name: id}`);
  return new Map(Object.entries(raw as Record<string, number>));
}

function readMerges(file: TokenizerFile, source: string): Pair[] {
  const merges = file.merges;
  assert(Array.isArray(merges), () => `${source}: rule 'merges' needs a merges array`);
  assert(256 + merges.length === file.vocabSize, () => `${source} says vocabSize ${file.vocabSize} but holds ` +
    `${merges.length} merges (256 + ${merges.length} = ${256 + merges.length} tokens); ` +
    `the file is truncated or corrupt`);
  merges.forEach((m, i) => assert(Array.isArray(m) && m.length === 2 && m.every(Number.isInteger),
    () => `${source}: merges[${i}] is ${JSON.stringify(m)}, expected a pair of token ids [left, right]`));
  return merges;
}

function readRanks(file: TokenizerFile, source: string): (string | undefined)[] {
  const ranks = file.ranks;
  assert(Array.isArray(ranks), () => `${source}: rule 'ranks' needs a ranks array`);
  assert(ranks.length === file.vocabSize,
    () => `${source} says vocabSize ${file.vocabSize} but holds ${ranks.length} ranks; ` +
      'the file is truncated or corrupt');
  return ranks.map((r, id) => {
    if (r === null) return undefined;
    const bytes = typeof r === 'string' ? base64Key(r) : undefined;
    assert(bytes !== undefined, () => `${source}: ranks[${id}] is ${JSON.stringify(r)}, expected base64 bytes or null`);
    return bytes;
  });
}

/**
 * The tokenizer's learned tokens in OpenAI's .tiktoken format: "base64 rank" per line.
 *
 *   exportTiktoken(tok).split('\n')[97] → 'YQ== 97'
 */
export function exportTiktoken(tok: Tokenizer): string {
  const lines: string[] = [];
  for (let id = 0; id < tok.learnedSize; id++)
    if (tok.hasToken(id)) lines.push(`${toBase64(tok.tokenBytes(id))} ${id}`);
  return lines.join('\n') + '\n';
}

/** How to read a .tiktoken file, which holds only the ranks. */
export interface TiktokenOptions {
  /** The split pattern to encode with. */
  pattern: PatternName;
  /** Special tokens by name; default none. */
  specialTokens?: ReadonlyMap<string, number>;
}

/**
 * A tokenizer from .tiktoken text (rule 'ranks'); `source` names the file in errors.
 *
 *   importTiktoken('IQ== 0\n...', { pattern: 'gpt4' }, 'cl100k_base.tiktoken') → Tokenizer
 */
export function importTiktoken(text: string, options: TiktokenOptions, source: string): Tokenizer {
  const tokens: (string | undefined)[] = [];
  let count = 0;
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const [b64, rankText, extra] = line.trim().split(' ');
    const bytes = base64Key(b64);
    const rank = Number(rankText);
    assert(bytes !== undefined && Number.isInteger(rank) && rank >= 0 && extra === undefined,
      () => `${source}: line ${i + 1} is '${line.slice(0, 60)}', expected '<base64 bytes> <rank>'; ` +
        `the file is corrupt or truncated`);
    assert(tokens[rank] === undefined,
      () => `${source}: rank ${rank} appears twice (again on line ${i + 1}); the file is corrupt`);
    tokens[rank] = bytes;
    count++;
  });
  assert(count >= 256,
    () => `${source} holds ${count} tokens; a byte-level vocabulary needs at least 256 (one per byte): ` +
      'the file is truncated, or not a .tiktoken file');
  return Tokenizer.fromRankKeys(tokens, options.pattern, options.specialTokens ?? new Map());
}

/**
 * Writes a tokenizer: JSON, or the .tiktoken format when the path ends in .tiktoken (which keeps
 * neither the pattern nor the special tokens).
 *
 *   saveTokenizer(tok, 'shakespeare.json')
 */
export function saveTokenizer(tok: Tokenizer, path: string): void {
  const text = path.endsWith('.tiktoken') ? exportTiktoken(tok) : JSON.stringify(toJSON(tok)) + '\n';
  fs.writeFileSync(path, text);
}

/**
 * Reads a tokenizer written by `saveTokenizer`; a .tiktoken file needs `tiktoken.pattern`.
 *
 *   loadTokenizer('shakespeare.json') → Tokenizer
 *   loadTokenizer('cl100k_base.tiktoken', { pattern: 'gpt4' }) → Tokenizer
 */
export function loadTokenizer(path: string, tiktoken?: TiktokenOptions): Tokenizer {
  const text = readText(path);
  if (path.endsWith('.tiktoken')) {
    assert(tiktoken !== undefined, () => `${path} is a .tiktoken file, which holds no split pattern: ` +
      `say which one to use (${PATTERN_NAMES.join(', ')}), ` +
      `e.g. loadTokenizer(path, { pattern: 'gpt4' }) or --pattern gpt4`);
    return importTiktoken(text, tiktoken, path);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new GptLabError(`${path} is not valid JSON (${(e as Error).message}); the file is truncated or corrupt`);
  }
  return fromJSON(data, path);
}

/**
 * Trains on text files, each one a document (a chunk never spans two files).
 *
 *   trainFiles(['input.txt'], { vocabSize: 512 }) → Tokenizer
 */
export function trainFiles(paths: readonly string[], options: TrainOptions): Tokenizer {
  assert(paths.length > 0, () => 'trainFiles needs at least one file');
  return train(paths.map(readText), options);
}

/** A file's text, with a GptLabError naming the path when it cannot be read. */
function readText(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new GptLabError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
