// The `gpt-lab` command: one subcommand per stage of the pipeline.
//
// Each subcommand lives in src/cli/<name>.ts and exports `run(argv): Promise<number>` (the exit code).
// Errors the user can fix (GptLabError) print as one line; anything else is a bug and keeps its stack.
// `--help`/`-h` on any command is answered here from src/cli/usage.ts before the command loads, and an
// unknown GPTLAB_PROFILE stops every command before it starts.

import { GptLabError } from './util/assert';
import { profile } from './profile';
import { helpRequest } from './cli/usage';

type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

/** The commands, by name; each needs an entry in src/cli/usage.ts's HELP too. */
export const commands: Record<string, Command> = {
  backend: { summary: 'print the tfjs backend gpt-lab picks here, and why', load: () => import('./cli/backend.js') },
  lab: { summary: 'register the tslab kernel in the project and start Jupyter', load: () => import('./cli/lab.js') },
  notebooks: { summary: 'execute the notebooks headlessly (--profile ci|workshop|full, --html)',
    load: () => import('./cli/notebooks.js') },
  pretrain: {
    summary: 'train a char-level GPT on Tiny Shakespeare (--preset tiny|baby|shakespeare-char --out DIR); ' +
      'resumes from DIR',
    load: () => import('./cli/pretrain.js'),
  },
  sample: { summary: 'write text with a pretrained checkpoint (--checkpoint DIR --prompt TEXT)',
    load: () => import('./cli/sample.js') },
  stages: { summary: 'train (or load) every pipeline stage of a profile ahead of time, or --list where each stands',
    load: () => import('./cli/stages.js') },
  sft: { summary: 'fine-tune a base model on the task world\'s conversations (--from DIR --out DIR)',
    load: () => import('./cli/sft.js') },
  reward: { summary: 'train a reward model on preference pairs from an SFT model (--from DIR --out DIR)',
    load: () => import('./cli/reward.js') },
  rlhf: { summary: 'RLHF (PPO or GRPO) or DPO from an SFT model against a reward model (--from DIR --out DIR)',
    load: () => import('./cli/rlhf.js') },
  bench: { summary: 'benchmarks as JSON: the training step against PyTorch, tokenizers, pretraining quality',
    load: () => import('./cli/bench.js') },
  tokenizer: { summary: 'train a BPE tokenizer, or encode/decode stdin with one (cl100k_base, ...)',
    load: () => import('./cli/tokenizer.js') },
  export: {
    summary: 'write a checkpoint as a Hugging Face GPT-2 directory or a nanoGPT ckpt.pt ' +
      '(--checkpoint DIR --format hf|nanogpt --out DIR)',
    load: () => import('./cli/export.js'),
  },
  rag: { summary: 'build a retrieval index of the world\'s documents, or answer a question from one (rag index|ask)',
    load: () => import('./cli/rag.js') },
  import: {
    summary: 'read a Hugging Face GPT-2 directory or a nanoGPT ckpt.pt into a lab checkpoint ' +
      '(--format hf|nanogpt --from DIR --out DIR)',
    load: async () => ({ run: (await import('./cli/export.js')).runImport }),
  },
  eval: { summary: 'evaluate a think model on held-out sums with a technique (greedy, vote, pass, best-of) as JSON',
    load: () => import('./cli/eval.js') },
  ask: { summary: 'ask a chat checkpoint one question, with the calculator, a JSON schema or a LoRA adapter',
    load: () => import('./cli/ask.js') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'usage: gpt-lab <command> [options]', '', 'commands:', ...lines, '',
    '`gpt-lab <command> --help` shows its options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === 'help' && rest.length > 0 && commands[rest[0]] !== undefined) return main([rest[0], '--help']);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`gpt-lab: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const help = helpRequest(name, rest);
  if (help !== undefined) {
    console.log(help);
    return 0;
  }
  try {
    profile(); // an unknown GPTLAB_PROFILE is an error for every command, not only those that read it
    return await (await command.load()).run(rest);
  } catch (e) {
    if (e instanceof GptLabError) {
      console.error(`gpt-lab ${name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
