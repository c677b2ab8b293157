// `gpt-lab sample`: writes text with a trained checkpoint (its char vocabulary is stored with it).
//
//   gpt-lab sample --checkpoint out/baby --prompt "ROMEO:" --max-tokens 200 --temperature 0.8 --top-k 40
//   options: --top-p P, --seed S, --backend B
// Prints the prompt and what follows it on stdout.
// Left out: BPE checkpoints (a later stage stores its tokenizer the same way).

import { parseArgs, intOption } from './args';
import { initBackend, parseBackendName } from '../backend';
import { assert } from '../util/assert';
import { charVocab } from '../data/shakespeare';
import { loadCheckpoint, modelFromCheckpoint } from '../train/checkpoint';
import { generate } from '../sample';

/** A number option within [min, max], e.g. --temperature 0.8. */
function floatOption(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  assert(Number.isFinite(n) && n >= min && n <= max,
    () => `option --${name} must be a number in [${min}, ${max}], got '${raw}'`);
  return n;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv,
    ['checkpoint', 'prompt', 'max-tokens', 'temperature', 'top-k', 'top-p', 'seed', 'backend']);
  const o = args.options;
  assert(o.checkpoint !== undefined, () => 'option --checkpoint DIR is required (the --out of `gpt-lab pretrain`)');
  const backend = o.backend === undefined ? undefined : parseBackendName(o.backend, '--backend');
  await initBackend({ backend, source: '--backend' });
  const ckpt = loadCheckpoint(o.checkpoint);
  assert(ckpt.state.vocab !== undefined, () => `${ckpt.dir} stores no vocabulary; it cannot decode tokens to text`);
  const vocab = charVocab(ckpt.state.vocab.chars.join(''));
  const prompt = o.prompt ?? '\n';
  const model = modelFromCheckpoint(ckpt);
  try {
    const ids = generate(model, vocab.encode(prompt), {
      maxTokens: intOption(args, 'max-tokens', 200),
      temperature: floatOption(o.temperature, 'temperature', 1, 0, 100),
      topK: intOption(args, 'top-k', 0),
      topP: floatOption(o['top-p'], 'top-p', 1, 1e-9, 1),
      seed: intOption(args, 'seed', 1337),
    });
    process.stdout.write(prompt + vocab.decode(ids) + '\n');
  } finally {
    model.dispose();
  }
  return 0;
}
