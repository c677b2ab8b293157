// `gpt-lab export` and `gpt-lab import`: a lab checkpoint to a Hugging Face GPT-2 directory or a nanoGPT
// checkpoint (to continue on PyTorch), and back (src/export/).
//
//   gpt-lab export --checkpoint out/baby --format hf --out out/baby-hf
//   gpt-lab export --checkpoint out/baby --format nanogpt --out out/baby-nanogpt
//   gpt-lab import --format nanogpt --from out/baby-nanogpt --out out/baby-back
// Prints the files written and anything the user should know (notes) on stderr.

import { parseArgs } from './args';
import { assert } from '../util/assert';
import { initBackend } from '../backend';
import { exportCheckpoint, importCheckpoint, parseFormat, type Result } from '../export';

function report(verb: string, r: Result): void {
  console.error(`${verb} ${r.out}: ${r.files.join(', ')}`);
  for (const note of r.notes) console.error(`note: ${note}`);
}

/** `gpt-lab export`. */
export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['checkpoint', 'format', 'out'], ['force']);
  const o = args.options;
  assert(args.positional.length === 0, () => `unexpected argument '${args.positional[0]}'; see gpt-lab export --help`);
  const format = parseFormat(o.format, '--format');
  assert(o.checkpoint !== undefined, () => 'option --checkpoint DIR is required (a run\'s --out, e.g. out/baby)');
  assert(o.out !== undefined, () => 'option --out DIR is required (a new or empty directory)');
  report('wrote', exportCheckpoint({ checkpoint: o.checkpoint, format, out: o.out, force: o.force === 'true' }));
  return 0;
}

/** `gpt-lab import`. */
export async function runImport(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['from', 'format', 'out'], ['force']);
  const o = args.options;
  assert(args.positional.length === 0, () => `unexpected argument '${args.positional[0]}'; see gpt-lab import --help`);
  const format = parseFormat(o.format, '--format');
  assert(o.from !== undefined, () => 'option --from DIR is required (a Hugging Face directory or a nanoGPT out_dir)');
  assert(o.out !== undefined, () => 'option --out DIR is required (a new or empty directory)');
  await initBackend(); // the import builds the model's variables to save them; any backend will do
  const r = importCheckpoint({ format, from: o.from, out: o.out, force: o.force === 'true' });
  report(`imported step ${r.step} into`, r);
  return 0;
}
