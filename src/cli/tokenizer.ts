// `gpt-lab tokenizer`: train a BPE tokenizer, and encode or decode with one.
//
//   gpt-lab tokenizer train --input FILE[,FILE...] --vocab-size N [--pattern gpt4] [--special NAMES] --out FILE
//   gpt-lab tokenizer encode (--encoding NAME | --tokenizer FILE) < text      prints a JSON array of ids
//   gpt-lab tokenizer decode (--encoding NAME | --tokenizer FILE) < ids.json  prints the text
//
// A .tiktoken tokenizer file holds no split pattern: pass --pattern with it. Special tokens in the
// text to encode are an error unless --allowed-special lets them through (tiktoken's rule).
// Leaves out: the notebook views of training (they use onMerge from src/tokenizer directly).

import { parseArgs, intOption, type ParsedArgs } from './args';
import { Progress } from '../progress';
import { getEncoding, ENCODING_NAMES, isEncodingName } from '../tokenizer/pretrained';
import { loadTokenizer, saveTokenizer, trainFiles } from '../tokenizer/io';
import { isPatternName, PATTERN_NAMES, type PatternName } from '../tokenizer/patterns';
import type { SpecialSet } from '../tokenizer/special';
import type { Tokenizer } from '../tokenizer/tokenizer';
import { assert } from '../util/assert';
import { checkOutputPath } from '../util/output-path';
import { formatHelp, HELP } from './usage';

const USAGE = formatHelp('tokenizer', HELP.tokenizer);

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'train') return trainCommand(rest);
  if (sub === 'encode') return encodeCommand(rest);
  if (sub === 'decode') return decodeCommand(rest);
  if (sub === undefined || sub === '--help' || sub === 'help') {
    console.log(USAGE);
    return sub === undefined ? 1 : 0;
  }
  console.error(`gpt-lab tokenizer: unknown subcommand '${sub}'\n\n${USAGE}`);
  return 2;
}

async function trainCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['input', 'vocab-size', 'pattern', 'special', 'out']);
  const input = required(args, 'input').split(',');
  const out = checkOutputPath(required(args, 'out'), 'file');
  const vocabSize = intOption(args, 'vocab-size');
  const pattern = patternOption(args) ?? 'gpt4';
  const special = args.options.special === undefined ? undefined : list(args.options.special);
  const bar = new Progress(Math.max(0, vocabSize - 256), { label: 'merges', unit: 'merge' });
  const t0 = Date.now();
  const tok = trainFiles(input,
    { vocabSize, pattern, specialTokens: special, onMerge: (e) => bar.update(e.index + 1) });
  bar.done();
  saveTokenizer(tok, out);
  console.error(`trained ${tok.learnedSize} tokens (pattern ${pattern}) ` +
    `in ${((Date.now() - t0) / 1000).toFixed(1)} s; wrote ${out}`);
  return 0;
}

async function encodeCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['encoding', 'tokenizer', 'pattern', 'allowed-special', 'disallowed-special']);
  const tok = tokenizerOption(args);
  const text = (await readStdin()).toString('utf8');
  const allowedSpecial = specialOption(args.options['allowed-special'], new Set());
  const disallowedSpecial = specialOption(args.options['disallowed-special'], 'all');
  process.stdout.write(JSON.stringify(tok.encode(text, { allowedSpecial, disallowedSpecial })) + '\n');
  return 0;
}

async function decodeCommand(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['encoding', 'tokenizer', 'pattern']);
  const tok = tokenizerOption(args);
  const raw = (await readStdin()).toString('utf8');
  let ids: unknown;
  try {
    ids = JSON.parse(raw);
  } catch {
    ids = undefined;
  }
  assert(Array.isArray(ids) && ids.every(Number.isInteger),
    () => `stdin must hold a JSON array of token ids, like [15339, 1917]; got '${raw.slice(0, 60)}'`);
  process.stdout.write(tok.decode(ids));
  return 0;
}

/** --encoding NAME or --tokenizer FILE (exactly one). */
function tokenizerOption(args: ParsedArgs): Tokenizer {
  const { encoding, tokenizer } = args.options;
  assert((encoding === undefined) !== (tokenizer === undefined),
    () => `pass exactly one of --encoding NAME (${ENCODING_NAMES.join(', ')}) or --tokenizer FILE`);
  if (encoding !== undefined) {
    assert(isEncodingName(encoding),
      () => `unknown encoding '${encoding}'; known encodings: ${ENCODING_NAMES.join(', ')}`);
    return getEncoding(encoding);
  }
  const pattern = patternOption(args);
  return loadTokenizer(tokenizer!, pattern === undefined ? undefined : { pattern });
}

function patternOption(args: ParsedArgs): PatternName | undefined {
  const p = args.options.pattern;
  assert(p === undefined || isPatternName(p), () => `--pattern must be one of ${PATTERN_NAMES.join(', ')}, got '${p}'`);
  return p;
}

/** 'all', 'none' (an empty set) or a comma-separated list of special-token names. */
function specialOption(raw: string | undefined, fallback: SpecialSet): SpecialSet {
  if (raw === undefined) return fallback;
  if (raw === 'all') return 'all';
  return new Set(raw === 'none' ? [] : list(raw));
}

function list(raw: string): string[] {
  return raw.split(',').filter((s) => s.length > 0);
}

function required(args: ParsedArgs, name: string): string {
  const v = args.options[name];
  assert(v !== undefined, () => `option --${name} is required\n\n${USAGE}`);
  return v;
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
