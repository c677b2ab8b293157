// A tiny argument parser for the `gpt-lab` CLI: `--name value`, `--name=value` and `--flag`.
// Kept small on purpose: each subcommand declares the options it knows, and an unknown one is an
// error that lists the known ones (a typo should never be silently ignored).

import { assert } from '../util/assert';

export interface ParsedArgs {
  /** Positional arguments, in order. */
  positional: string[];
  /** Options by name (without the leading dashes); flags map to 'true'. */
  options: Record<string, string>;
}

/**
 * Parses argv against the known option names. `flags` take no value.
 *
 *   parseArgs(['train', '--vocab-size', '512', '--verbose'], ['vocab-size'], ['verbose'])
 *   → { positional: ['train'], options: { 'vocab-size': '512', verbose: 'true' } }
 */
export function parseArgs(argv: string[], valued: string[], flags: string[] = []): ParsedArgs {
  const positional: string[] = [];
  const options: Record<string, string> = {};
  const known = () => [...valued, ...flags].map((n) => `--${n}`).join(', ') || '(none)';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) { positional.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    if (flags.includes(name)) {
      assert(eq < 0, () => `option --${name} takes no value (got '${a}')`);
      options[name] = 'true';
    } else {
      assert(valued.includes(name), () => `unknown option '--${name}'; known options: ${known()}`);
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      assert(value !== undefined, () => `option --${name} needs a value`);
      options[name] = value;
    }
  }
  return { positional, options };
}

/**
 * Reads an integer option, written in plain decimal digits (so '', '0x10', '1e3' and '5.0' are refused),
 * at least `min` when given, with a message naming the option and the value when it is not one.
 *
 *   intOption(parseArgs(['--steps', '20'], ['steps']), 'steps') → 20
 */
export function intOption(args: ParsedArgs, name: string, fallback?: number, min?: number): number {
  const raw = args.options[name];
  if (raw === undefined) {
    assert(fallback !== undefined, () => `option --${name} is required`);
    return fallback;
  }
  const n = Number(raw);
  assert(/^-?\d+$/.test(raw) && Number.isSafeInteger(n),
    () => `option --${name} must be an integer, got '${raw}'; write it in decimal digits, e.g. 20`);
  assert(min === undefined || n >= min, () => `option --${name} must be at least ${min}, got ${raw}`);
  return n;
}
