// `npm run bench`: every benchmark of the lab, one JSON document on stdout.
//
//   npm run bench -- --json                 # all of them (pretraining: nanoGPT's 2000 baby steps, ~25 min on wasm)
//   npm run bench -- step --json            # one: the training step on every backend against PyTorch
//   npm run bench -- constrain              # the constrained-decoding index: build time, µs per masked step
//   npm run bench -- step --configs baby --backends wasm,cpu --rounds 3 --profile
//   npm run bench -- pretrain --steps 20    # pretraining speed only (the loss is not comparable)
//   npm run bench -- chain --profiles workshop   # notebooks 04 → 06's stages, timed (default: workshop and full)
//   npm run bench -- pretrain --preset shakespeare-char   # nanoGPT's GPU run (5000 steps, target 1.4697): for the GPU machine
//   npm run bench -- retrieval --sizes 1000,10000         # vector-index query latency against index size
//
// Each benchmark compares against its reference in the same run and reports ratios, so the numbers
// hold on a busy machine. With --json stdout is only the JSON; without it a short summary follows
// the JSON on stderr. Progress and notes go to stderr.

import { parseArgs, intOption, ParsedArgs } from '../src/cli/args';
import { assert } from '../src/util/assert';
import { parseBackendName } from '../src/backend';
import { parsePresetName } from '../src/model';
import { runPretrainBench } from './pretrain';
import { runTokenizerBench } from './tokenizer';
import { runChainBench } from './chain';
import { runConstrainBench } from './constrain';
import { runRetrievalBench } from './retrieval';
import { parseProfile } from '../src/profile';
import { runStepBench, STEP_CONFIG_NAMES, StepConfigName, summarizeStepBench } from './step';

/** The options `bench` knows, for the CLI (src/cli/bench.ts) too. */
export const BENCH_VALUED = ['preset', 'steps', 'configs', 'backends', 'rounds', 'warmup', 'sizes', 'dim', 'profiles'];
export const BENCH_FLAGS = ['json', 'no-torch', 'profile', 'unfused'];

const list = (args: ParsedArgs, name: string) => args.options[name]?.split(',').map((s) => s.trim()).filter((s) => s);

/** The step benchmark's options from parsed arguments. */
export function stepOptions(args: ParsedArgs) {
  const configs = list(args, 'configs');
  for (const c of configs ?? []) assert((STEP_CONFIG_NAMES as string[]).includes(c), () => `--configs: '${c}' is not a reference step; known: ${STEP_CONFIG_NAMES.join(', ')}`);
  return {
    configs: configs as StepConfigName[] | undefined,
    backends: list(args, 'backends')?.map((b) => parseBackendName(b, '--backends')),
    rounds: args.options.rounds === undefined ? undefined : intOption(args, 'rounds'),
    steps: args.options.steps === undefined ? undefined : intOption(args, 'steps'),
    warmup: args.options.warmup === undefined ? undefined : intOption(args, 'warmup'),
    torch: args.options['no-torch'] === undefined,
    profile: args.options.profile !== undefined,
    unfused: args.options.unfused !== undefined,
  };
}

/**
 * Runs the named benchmarks (all when none are named) and prints one JSON document on stdout; with
 * the step benchmark and without --json, its summary table follows on stderr. Returns the exit code.
 */
export async function main(argv: string[], defaultNames?: string[]): Promise<number> {
  const args = parseArgs(argv, BENCH_VALUED, BENCH_FLAGS);
  const BENCHES: Record<string, () => Promise<unknown>> = {
    step: () => runStepBench(stepOptions(args)),
    tokenizer: () => runTokenizerBench(),
    constrain: () => runConstrainBench(),
    pretrain: () => runPretrainBench({
      preset: args.options.preset === undefined ? undefined : parsePresetName(args.options.preset, '--preset'),
      steps: args.options.steps === undefined ? undefined : intOption(args, 'steps'),
    }),
    retrieval: () => runRetrievalBench({
      sizes: list(args, 'sizes')?.map((s) => Number(s)),
      dim: args.options.dim === undefined ? undefined : intOption(args, 'dim'),
      rounds: args.options.rounds === undefined ? undefined : intOption(args, 'rounds'),
      backend: list(args, 'backends')?.map((b) => parseBackendName(b, '--backends'))[0],
    }),
    chain: () => runChainBench({ profiles: list(args, 'profiles')?.map((p) => parseProfile(p, '--profiles')) }),
  };
  const names = args.positional.length > 0 ? args.positional : defaultNames ?? [];
  const unknown = names.filter((n) => !(n in BENCHES));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHES).join(', ')}`);
    return 2;
  }
  const results: Record<string, unknown> = { node: process.version, date: new Date().toISOString() };
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) {
    console.error(`bench: ${name}…`);
    results[name] = await BENCHES[name]();
  }
  console.log(JSON.stringify(results, null, 2));
  if (results.step !== undefined && args.options.json === undefined) console.error(summarizeStepBench(results.step as Record<string, unknown>));
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exitCode = 1;
  });
}
