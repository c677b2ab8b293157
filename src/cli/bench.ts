// `gpt-lab bench`: how fast one training step is here, on every backend, against PyTorch.
//
//   gpt-lab bench                          # both reference steps (baby, gpu), every backend, a table
//   gpt-lab bench --json                   # the same as one JSON document on stdout
//   gpt-lab bench --configs baby --backends wasm --rounds 3 --profile
//
// It runs bench/step.ts (see there for what is measured); `npm run bench` runs every benchmark.

import { parseArgs } from './args';
import { BENCH_FLAGS, stepOptions } from '../../bench/index';
import { runStepBench, summarizeStepBench } from '../../bench/step';

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['configs', 'backends', 'rounds', 'steps', 'warmup'], BENCH_FLAGS);
  if (args.positional.length > 0) {
    console.error(`gpt-lab bench: unexpected argument(s) ${args.positional.join(' ')}; options: --configs baby,gpu --backends wasm,cpu --rounds N --steps N --warmup N --json --no-torch --profile --unfused`);
    return 2;
  }
  const result = await runStepBench(stepOptions(args));
  if (args.options.json !== undefined) console.log(JSON.stringify(result, null, 2));
  else console.log(summarizeStepBench(result));
  return 0;
}
