// `gpt-lab bench`: the lab's benchmarks as one JSON document on stdout, each against its reference
// in the same run. Without names it runs the training step against PyTorch (bench/step.ts).
//
//   gpt-lab bench                           # the step: baby and gpu, every backend here, PyTorch if present
//   gpt-lab bench --json                    # the same, stdout only JSON (no summary table on stderr)
//   gpt-lab bench step --configs baby --backends wasm --rounds 3 --unfused --profile
//   gpt-lab bench tokenizer pretrain        # the others (pretrain: nanoGPT's 2000 baby steps)
//
// It is `npm run bench` (bench/index.ts) with 'step' as the default.

import { main } from '../../bench/index';

export async function run(argv: string[]): Promise<number> {
  return main(argv, ['step']);
}
