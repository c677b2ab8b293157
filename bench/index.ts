// `npm run bench`: every benchmark of the lab, one JSON document on stdout.
//
//   npm run bench                           # all of them (pretraining: nanoGPT's 2000 baby steps, ~25 min on wasm)
//   npm run bench -- tokenizer              # one
//   npm run bench -- pretrain --steps 20    # pretraining speed only (the loss is not comparable)
//
// Each benchmark compares against its reference in the same run and reports ratios, so the numbers
// hold on a busy machine. Progress and notes go to stderr; stdout is only the JSON.

import { parseArgs, intOption } from '../src/cli/args';
import { runPretrainBench } from './pretrain';
import { runTokenizerBench } from './tokenizer';

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['steps']);
  const BENCHES: Record<string, () => Promise<unknown>> = {
    tokenizer: () => runTokenizerBench(),
    pretrain: () => runPretrainBench({ steps: intOption(args, 'steps', 2000) }),
  };
  const names = args.positional;
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
  return 0;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
