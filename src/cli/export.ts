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
import { exportCheckpoint, FORMATS, importCheckpoint, parseFormat, type Result } from '../export';

export const EXPORT_USAGE = `usage: gpt-lab export --checkpoint DIR --format ${FORMATS.join('|')} --out DIR [--force]

Writes a lab checkpoint in a layout PyTorch people load:
  hf       a Hugging Face GPT-2 directory: config.json, model.safetensors (transformer.* names, Conv1D
           [in, out] weights, lm_head tied), tokenizer.json and tokenizer_config.json;
           GPT2LMHeadModel.from_pretrained(DIR) loads it. A model without biases gets zero biases.
  nanogpt  nanoGPT's ckpt.pt ({model, optimizer, model_args, iter_num, best_val_loss, config}), meta.pkl
           for a char vocabulary, and the same weights as model.safetensors; continue the run with
           python train.py --init_from=resume --out_dir=DIR (or torchrun). ckpt.pt needs Python with
           PyTorch (GPTLAB_PYTHON, /usr/bin/python3, python3); without it the rest is written and the
           shipped nanogpt_ckpt.py finishes the job later.

options:
  --checkpoint DIR  a run's --out (with latest.json) or one of its step-* directories (required)
  --format F        ${FORMATS.join(' or ')} (required)
  --out DIR         a new or empty directory (required; checked before any work)
  --force           replace a non-empty --out (default: refuse)

example:
  gpt-lab export --checkpoint out/baby --format hf --out out/baby-hf`;

export const IMPORT_USAGE = `usage: gpt-lab import --format ${FORMATS.join('|')} --from DIR --out DIR [--force]

Reads a Hugging Face GPT-2 directory (config.json, model.safetensors, tokenizer.json if any) or a
nanoGPT out_dir (ckpt.pt, read with PyTorch; meta.pkl beside it gives a char vocabulary) into a normal
lab checkpoint that sample, sft and the notebooks load. The head must be tied to wte; activations other
than exact GELU are noted (the lab computes exact GELU). A nanoGPT checkpoint brings its AdamW moments and
training settings along, so \`gpt-lab pretrain --out DIR\` resumes the run in the lab.

options:
  --format F   ${FORMATS.join(' or ')} (required)
  --from DIR   the directory to read (required)
  --out DIR    a new or empty directory for the lab checkpoint (required)
  --force      replace a non-empty --out (default: refuse)

example:
  gpt-lab import --format hf --from out/baby-hf --out out/baby-back`;

function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

function report(verb: string, r: Result): void {
  console.error(`${verb} ${r.out}: ${r.files.join(', ')}`);
  for (const note of r.notes) console.error(`note: ${note}`);
}

/** `gpt-lab export`. */
export async function run(argv: string[]): Promise<number> {
  if (wantsHelp(argv)) {
    console.log(EXPORT_USAGE);
    return 0;
  }
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
  if (wantsHelp(argv)) {
    console.log(IMPORT_USAGE);
    return 0;
  }
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
