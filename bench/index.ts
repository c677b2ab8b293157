// `npm run bench`: every benchmark of the lab, one JSON document on stdout.
//
//   npm run bench                     # all of them
//   npm run bench -- tokenizer        # one
//
// Each benchmark compares against its reference in the same run and reports ratios, so the numbers
// hold on a busy machine. Progress and notes go to stderr; stdout is only the JSON.

import { runTokenizerBench } from './tokenizer';

const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  tokenizer: () => runTokenizerBench(),
};

async function main(argv: string[]): Promise<number> {
  const names = argv.filter((a) => !a.startsWith('--'));
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
