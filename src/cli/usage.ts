// The help of every `gpt-lab` command in one table: usage, each option with its default, examples.
//
// The dispatcher (src/cli.ts) answers `gpt-lab <command> --help` (or -h, or `gpt-lab help <command>`)
// from here before loading the command, so a command file never handles --help itself and nothing
// starts (no backend, no download) just to print help. A new command adds one entry to HELP;
// test/cli.test.ts checks that each registered command has one and that it names every option the
// command parses.
// Left out: generating the table from parseArgs calls (defaults and examples need words anyway).

import { ENCODING_NAMES } from '../tokenizer/pretrained';
import { PATTERN_NAMES } from '../tokenizer/patterns';

/** One option of a command. */
export interface OptionHelp {
  /** The name without dashes, e.g. 'steps'. */
  name: string;
  /** The placeholder of its value, e.g. 'N'; absent for a flag (which takes no value). */
  value?: string;
  /** What it does. */
  help: string;
  /** The default as a user reads it: '1337', 'off', 'required', "the preset's (tiny 20, baby 2000)". */
  default: string;
}

/** The help of one command (or subcommand). */
export interface CommandHelp {
  /** One line: what the command does. */
  summary: string;
  /** The argument pattern after `gpt-lab <command>`, e.g. '--preset NAME --out DIR [options]'. */
  usage: string;
  options: OptionHelp[];
  /** Whole command lines, each a working example. */
  examples: string[];
  /** Lines after the options: positional arguments, what a rerun does. */
  notes?: string[];
  /** Subcommands (tokenizer train|encode|decode), each with its own help. */
  subcommands?: Record<string, CommandHelp>;
}

const flag = (name: string, help: string, dflt = 'off'): OptionHelp => ({ name, help, default: dflt });
const opt = (name: string, value: string, help: string, dflt: string): OptionHelp => ({
  name, value, help, default: dflt,
});

const BACKEND_OPTION = opt('backend', 'B',
  'tfjs backend: tensorflow, webgpu, wasm or cpu (GPTLAB_BACKEND does the same)',
  'the fastest that runs here, in the order tensorflow > webgpu > wasm > cpu');
const PROFILE_OPTION = opt('profile', 'ci|workshop|full',
  'the settings: ci is a seconds-long smoke test, workshop shows each effect in minutes, ' +
  'full is what the notebooks report',
  'GPTLAB_PROFILE, else full');
const STEPS_OPTION = opt('steps', 'N', 'optimizer steps to train', "the profile's");
const SEED_OPTION = opt('seed', 'N',
  'seeds the init, data order, dropout and sampling (and those of the stages trained first), recorded in the ' +
  'checkpoint; the runs go to runs/<profile>-seed<N>/', "the profile's");
const FORCE_OPTION = flag('force', 'train anew even if --out holds a finished run (it is loaded otherwise)');
const TOKENIZER_SOURCE = [
  opt('encoding', 'NAME', `a pretrained encoding: ${ENCODING_NAMES.join(', ')}`,
    'none; give this or --tokenizer'),
  opt('tokenizer', 'FILE', 'a tokenizer file written by `gpt-lab tokenizer train` (.json or .tiktoken)',
    'none; give this or --encoding'),
  opt('pattern', PATTERN_NAMES.join('|'), 'the split pattern of a .tiktoken file (it stores none)',
    'the one saved in a .json file'),
];

export const HELP: Record<string, CommandHelp> = {
  export: {
    summary: 'write a checkpoint in a layout PyTorch people load: a Hugging Face GPT-2 directory or nanoGPT\'s ckpt.pt',
    usage: '--checkpoint DIR --format hf|nanogpt --out DIR [--force]',
    options: [
      opt('checkpoint', 'DIR', 'a run\'s --out (with latest.json) or one of its step-* directories', 'required'),
      opt('format', 'hf|nanogpt', 'the layout to write', 'required'),
      opt('out', 'DIR', 'a new or empty directory (checked before any work)', 'required'),
      flag('force', 'replace a non-empty --out', 'refuse'),
    ],
    notes: [
      'hf: config.json, ' +
        'model.safetensors (transformer.* names, Conv1D [in, out] weights, lm_head tied), tokenizer.json',
      '    and tokenizer_config.json; GPT2LMHeadModel.from_pretrained(DIR) loads it. ' +
        'A model without biases gets zero biases.',
      'nanogpt: ckpt.pt ({model, optimizer, model_args, iter_num, best_val_loss, config}), ' +
        'meta.pkl for a char vocabulary,',
      '    and the same weights as model.safetensors; continue with python train.py --init_from=resume --out_dir=DIR',
      '    (or torchrun). ckpt.pt needs Python with PyTorch (GPTLAB_PYTHON, /usr/bin/python3, python3); without it the',
      '    rest is written and the shipped nanogpt_ckpt.py finishes the job later.',
    ],
    examples: ['gpt-lab export --checkpoint out/baby --format hf --out out/baby-hf'],
  },
  import: {
    summary: 'read a Hugging Face GPT-2 directory or a nanoGPT out_dir into a lab checkpoint',
    usage: '--format hf|nanogpt --from DIR --out DIR [--force]',
    options: [
      opt('format', 'hf|nanogpt', 'the layout to read', 'required'),
      opt('from', 'DIR', 'the directory to read (config.json + model.safetensors, or ckpt.pt + meta.pkl)', 'required'),
      opt('out', 'DIR', 'a new or empty directory for the lab checkpoint', 'required'),
      flag('force', 'replace a non-empty --out', 'refuse'),
    ],
    notes: [
      'The head must be tied to wte; activations other than exact GELU are noted (the lab computes exact GELU).',
      'A nanoGPT checkpoint brings its AdamW moments and training settings, ' +
        'so `gpt-lab pretrain --out DIR` resumes it.',
    ],
    examples: ['gpt-lab import --format hf --from out/baby-hf --out out/baby-back'],
  },
  rag: {
    summary: "build a retrieval index of the world's documents, or answer a question from one",
    usage: 'index|ask [options]',
    options: [],
    notes: ['`gpt-lab rag <subcommand> --help` shows one subcommand.'],
    examples: [
      'gpt-lab rag index --out out/idx',
      'gpt-lab rag ask --index out/idx --checkpoint runs/full/openbook "How old is Zevim?"',
    ],
    subcommands: {
      index: {
        summary: "chunk the world's documents and index them (BM25, or dense with an encoder) into a directory",
        usage: '--out DIR [--encoder DIR|bm25] [--chunks fact|doc|window] [options]',
        options: [
          opt('out', 'DIR', 'where the index goes (checked before any work; an index there is replaced)', 'required'),
          opt('encoder', 'DIR|bm25', "bm25, or a checkpoint whose mean-pooled hidden states embed the chunks " +
            "(an 'encoder' stage, e.g. runs/full/encoder; any other chat model is the untrained baseline)", 'bm25'),
          opt('chunks', 'fact|doc|window', 'one fact, one document, or 12-word windows overlapping by 4 per chunk',
            'fact'),
          flag('json', 'print what was built as JSON'),
          BACKEND_OPTION,
        ],
        notes: ['A dense index records its encoder\'s directory and weights; ' +
          '`rag ask` refuses it if the encoder was retrained since.'],
        examples: [
          'gpt-lab rag index --out out/idx',
          'gpt-lab rag index --out out/idx-dense --encoder runs/full/encoder --chunks doc',
        ],
      },
      ask: {
        summary: 'answer a question with an open-book model from the passages an index retrieves',
        usage: '--index DIR --checkpoint DIR [options] "QUESTION"',
        options: [
          opt('index', 'DIR', 'an index built by `gpt-lab rag index`', 'required'),
          opt('checkpoint', 'DIR', 'the chat model that answers (the openbook stage, e.g. runs/full/openbook)',
            'required'),
          opt('k', 'N', 'passages retrieved (as many as fit the 256-token context are read)', '3'),
          opt('max-tokens', 'N', 'most tokens in the answer', '32'),
          flag('json', 'print the question, answer and passages as JSON'),
          BACKEND_OPTION,
        ],
        notes: ['The question is the one positional argument; quote it.'],
        examples: ['gpt-lab rag ask --index out/idx --checkpoint runs/full/openbook "How old is Zevim?"',
          'gpt-lab rag ask --index out/idx --checkpoint runs/workshop/openbook --k 5 --json "Who owns Kiki?"'],
      },
    },
  },
  backend: {
    summary: 'print the tfjs backend gpt-lab picks here, and why',
    usage: '[--backend B] [--json]',
    options: [BACKEND_OPTION, flag('json', 'print the choice as one JSON object')],
    examples: ['gpt-lab backend', 'gpt-lab backend --backend cpu --json'],
  },
  lab: {
    summary: 'register the tslab kernel in the project and start Jupyter',
    usage: '[--profile ci|workshop|full] [--dry-run] [-- JUPYTER OPTIONS]',
    options: [PROFILE_OPTION, flag('dry-run', 'register the kernel and print the Jupyter command without starting it')],
    notes: ['Everything after `--` goes to `jupyter notebook` unchanged.'],
    examples: ['gpt-lab lab', 'gpt-lab lab --profile ci -- --port 8899 --no-browser'],
  },
  notebooks: {
    summary: 'execute the notebooks headlessly, optionally rendering them to HTML',
    usage: '[NOTEBOOK...] [--profile ci|workshop|full] [--seed N] [--out DIR] [--cell-timeout S] [--html]',
    options: [
      PROFILE_OPTION,
      opt('seed', 'N',
        "another seed for every stage the notebooks train (GPTLAB_SEED); their models go to runs/<profile>-seed<N>/",
        "each stage's own (GPTLAB_SEED if set)"),
      opt('out', 'DIR', 'where the executed notebooks (and HTML) go; checked before anything runs',
        'out/notebooks (out/notebooks-seed<N> with --seed)'),
      opt('cell-timeout', 'S', 'seconds one cell may run before the notebook fails ' +
        '(full pretraining on a busy 2-core CPU can pass 20 minutes)', '1200'),
      flag('html', 'also render each executed notebook to HTML'),
    ],
    notes: ['NOTEBOOK: a name such as 03-pretraining or its number prefix 03 (default: every notebook).'],
    examples: [
      'gpt-lab notebooks --profile ci', 'gpt-lab notebooks --html 03-pretraining',
      'gpt-lab notebooks --profile workshop --seed 2 04 05 06',
    ],
  },
  pretrain: {
    summary: 'train a char-level GPT on Tiny Shakespeare; run it again with the same --out to resume',
    usage: '--preset NAME --out DIR [options]',
    options: [
      opt('preset', 'tiny|baby|shakespeare-char', 'the model size, and with it the training settings below',
        'required'),
      opt('out', 'DIR', 'checkpoints go here (checked before training); a run resumes from the checkpoint in it',
        'required'),
      BACKEND_OPTION,
      opt('steps', 'N', 'total optimizer steps; the learning rate decays over them (may change on resume)',
        "the preset's: tiny 20, baby 2000, shakespeare-char 5000"),
      opt('data', 'NAME', 'the dataset', 'shakespeare-char'),
      opt('batch-size', 'N', 'rows per batch (fixed for a run: refused on resume)',
        "the preset's: tiny 4, baby 12, shakespeare-char 64"),
      opt('lr', 'LR',
        'peak learning rate, the floor a tenth of it (may change on resume, e.g. lowered after a divergence)', '1e-3'),
      opt('eval-every', 'N', 'evaluate and save a checkpoint every N steps, 0 only at the end (may change on resume)',
        "the preset's: tiny 10, baby 250, shakespeare-char 250"),
      opt('eval-iters', 'N', 'batches per evaluation (may change on resume)',
        "the preset's: tiny 2, baby 20, shakespeare-char 200"),
      opt('log-every', 'N', 'update the progress bar every N steps (may change on resume)',
        "the preset's: tiny 1, baby 10, shakespeare-char 10"),
      opt('seed', 'N', 'seeds the batches and dropout masks (fixed for a run: refused on resume)', '1337'),
    ],
    notes: ['A rerun on the same --out resumes exactly where the last checkpoint left off; the options marked',
      '"may change on resume" apply from there on and are recorded in the checkpoint.'],
    examples: [
      'gpt-lab pretrain --preset baby --out out/baby',
      'gpt-lab pretrain --preset tiny --steps 20 --backend cpu --out /tmp/tiny',
      'gpt-lab pretrain --preset baby --out out/baby --lr 5e-4     # resume with a lower learning rate',
    ],
  },
  sample: {
    summary: 'write text with a pretrained checkpoint',
    usage: '--checkpoint DIR [options]',
    options: [
      opt('checkpoint', 'DIR', 'the --out of `gpt-lab pretrain` (or a step-* directory in it)', 'required'),
      opt('prompt', 'TEXT', 'the text to continue', 'a newline'),
      opt('max-tokens', 'N', 'characters to write after the prompt', '200'),
      opt('temperature', 'T', 'divides the logits: lower is more predictable, 0 is greedy', '1'),
      opt('top-k', 'K', 'sample only among the K most likely tokens, 0 for all', '0'),
      opt('top-p', 'P', 'sample only among the most likely tokens whose probabilities add up to P', '1 (all)'),
      opt('seed', 'N', 'seeds the sampling: the same seed writes the same text', '1337'),
      BACKEND_OPTION,
    ],
    examples: ['gpt-lab sample --checkpoint out/baby --prompt "ROMEO:" --max-tokens 200 --temperature 0.8 --top-k 40'],
  },
  stages: {
    summary: 'get every pipeline stage of a profile ahead of time (loaded if finished, else trained), ' +
      'or list where each stands',
    usage: '[--list] [--only STAGE,...] [--notebooks NN,...] [--force] ' +
      '[--profile ci|workshop|full] [--seed N] [--json]',
    options: [
      flag('list', 'print each stage: what it starts from, its notebook, code file, directory and status (finished, ' +
        'stale (trained with other settings than today\'s), unfinished or missing, from its state file; ' +
        'nothing is loaded or trained)'),
      opt('only', 'STAGE,...', 'just these stages (tokenizer, base, sft, reward, reward-onpolicy, reward-practice, ' +
        'rlhf, dpo, think-sft, think-verifier, encoder, openbook, sft-tools); ' +
        'a missing stage they start from is trained on the way', 'every stage'),
      opt('notebooks', 'NN,...', 'the stages these notebooks show, by number or name ' +
        '(07 → think-sft, think-verifier); with --only, the stages of either', 'every stage'),
      flag('force', 'train the chosen stages again even if finished (the stages they start from are still loaded); ' +
        'needed when a stage\'s settings changed since it was trained'),
      PROFILE_OPTION,
      opt('seed', 'N', 'another seed for every stage; its models go to runs/<profile>-seed<N>/, ' +
        'where the notebooks look with GPTLAB_SEED=N', "GPTLAB_SEED, else each stage's own"),
      BACKEND_OPTION,
      flag('json', 'print the table (--list) or the summary as JSON on stdout; the stages\' log lines go to stderr'),
    ],
    notes: [
      'Stages run in the pipeline\'s order, each as the notebooks get it (its profile\'s settings, no overrides), and',
      'print their log lines; at the end, a table: each stage, loaded or trained, seconds. ' +
        'A rerun loads what is finished.',
    ],
    examples: [
      'gpt-lab stages --list --profile workshop',
      'gpt-lab stages --profile workshop',
      'gpt-lab stages --profile workshop --notebooks 07,08',
      'gpt-lab stages --profile ci --only tokenizer,base --json',
    ],
  },
  sft: {
    summary: 'fine-tune a base model on the task world\'s conversations',
    usage: '[--from DIR] [--out DIR] [options]',
    options: [
      opt('from', 'DIR', 'the base model to start from',
        "the profile's base in runs/<profile>/base, trained first if missing"),
      opt('out', 'DIR', 'where the SFT checkpoint goes (checked before training)', 'runs/<profile>/sft'),
      STEPS_OPTION, PROFILE_OPTION, BACKEND_OPTION, SEED_OPTION, FORCE_OPTION,
      opt('eval', 'N', 'afterwards, score N held-out questions of each set', '0 (no scoring)'),
    ],
    notes: ['A finished run in --out is loaded, not trained again; an unfinished one resumes.'],
    examples: [
      'gpt-lab sft',
      'gpt-lab sft --from runs/full/base --out out/sft --steps 300',
      'gpt-lab sft --profile ci --eval 20',
      'gpt-lab sft --profile workshop --seed 2 --eval 30',
    ],
  },
  reward: {
    summary: 'train a reward model on preference pairs from an SFT model',
    usage: '[--from DIR] [--out DIR] [options]',
    options: [
      opt('from', 'DIR', 'the SFT model to start from',
        "the profile's SFT model in runs/<profile>/sft, trained first if missing"),
      opt('out', 'DIR', 'where the reward model goes (checked before training)', 'runs/<profile>/reward'),
      STEPS_OPTION, PROFILE_OPTION, BACKEND_OPTION, SEED_OPTION, FORCE_OPTION,
    ],
    notes: ['A finished reward model in --out is loaded, not trained again.'],
    examples: [
      'gpt-lab reward',
      'gpt-lab reward --from runs/full/sft --out out/rm --steps 100',
      'gpt-lab reward --profile ci',
    ],
  },
  rlhf: {
    summary: 'RLHF (PPO or GRPO) or DPO from an SFT model against a reward model',
    usage: '[--from DIR] [--out DIR] [--reward DIR] [--algo ppo|grpo|dpo] [options]',
    options: [
      opt('from', 'DIR', 'the SFT model to start from',
        "the profile's SFT model in runs/<profile>/sft, trained first if missing"),
      opt('out', 'DIR', 'where the policy goes (checked before training)',
        'runs/<profile>/rlhf, or runs/<profile>/dpo for DPO'),
      opt('reward', 'DIR', 'the reward model to optimize against',
        "the profile's on-policy reward model in runs/<profile>/reward-onpolicy"),
      opt('algo', 'ppo|grpo|dpo', 'PPO, GRPO-style group baselines, or DPO on the same comparisons', 'ppo'),
      STEPS_OPTION,
      opt('beta', 'B', 'the KL penalty towards the SFT model (DPO: its temperature, > 0)', "the profile's"),
      opt('lr', 'LR', 'the learning rate', "the profile's"),
      PROFILE_OPTION, BACKEND_OPTION, SEED_OPTION, FORCE_OPTION,
      flag('eval', 'afterwards, score the SFT model and the new policy on held-out prompts'),
    ],
    notes: ['A finished run in --out is loaded, not trained again.'],
    examples: [
      'gpt-lab rlhf', 'gpt-lab rlhf --algo grpo --beta 0 --out out/grpo-beta0 --force', 'gpt-lab rlhf --algo dpo',
      'gpt-lab rlhf --from runs/full/sft --reward runs/full/reward-onpolicy --out out/rlhf --steps 40 --eval'],
  },
  bench: {
    summary: 'benchmarks as JSON: the training step against PyTorch, tokenizers, pretraining quality',
    usage: '[step|tokenizer|pretrain|chain|retrieval|constrain ...] [options]',
    options: [
      opt('configs', 'NAME,...', 'step: the reference steps, baby and gpu', 'both'),
      opt('backends', 'B,...', 'step: the backends to time', 'every one that runs here'),
      opt('rounds', 'N', 'step: timed rounds per backend, each beside a PyTorch round', '5 (1 on cpu)'),
      opt('steps', 'N', 'step: steps per round; pretrain: steps to train',
        "step: about a second's worth; pretrain: the preset's published run"),
      opt('warmup', 'N', 'step: untimed steps before the first round', '3'),
      opt('preset', 'baby|shakespeare-char', 'pretrain: the run to compare with nanoGPT\'s published loss', 'baby'),
      opt('sizes', 'N,...',
        'retrieval: vector-index sizes in chunks (--rounds: timed queries; --backends: the first is used)',
        '1000,10000,100000'),
      opt('dim', 'N', 'retrieval: vector width', '64'),
      opt('profiles', 'P,...', 'chain: the profiles whose 04 → 06 stages are timed', 'workshop,full'),
      flag('json', 'stdout holds only the JSON (no summary table on stderr)'),
      flag('no-torch', 'step: do not run PyTorch beside ours'),
      flag('profile', 'step: add the top kernels by time of one step'),
      flag('unfused', 'step: also time each backend with its fused kernels switched the other way'),
    ],
    notes: ['Benchmarks: step (the default), tokenizer, pretrain (nanoGPT\'s 2000 baby steps, ~25 min on wasm),',
      'chain (notebooks 04 → 06\'s stages from nothing, per profile), retrieval (index query latency),',
      'constrain (the constrained-decoding index: build time, µs per masked step).'],
    examples: [
      'gpt-lab bench',
      'gpt-lab bench step --configs baby --backends wasm --rounds 3',
      'gpt-lab bench tokenizer pretrain --json',
      'gpt-lab bench chain --profiles workshop',
    ],
  },
  tokenizer: {
    summary: 'train a BPE tokenizer, or encode/decode stdin with one',
    usage: 'train|encode|decode [options]',
    options: [],
    notes: ['`gpt-lab tokenizer <subcommand> --help` shows one subcommand.'],
    examples: ['gpt-lab tokenizer encode --encoding cl100k_base <<< "hello world"'],
    subcommands: {
      train: {
        summary: 'train a byte-level BPE tokenizer on text files and save it',
        usage: '--input FILE[,FILE...] --vocab-size N --out FILE [options]',
        options: [
          opt('input', 'FILE[,FILE...]', 'the training text (UTF-8 files)', 'required'),
          opt('vocab-size', 'N', 'tokens in the end: 256 bytes plus the merges', 'required'),
          opt('pattern', PATTERN_NAMES.join('|'), 'the regex that splits text before merging', 'gpt4'),
          opt('special', 'NAME,...', 'special tokens to add after the merges, e.g. <|endoftext|>', 'none'),
          opt('out', 'FILE',
            'the tokenizer file: .json (ours) or .tiktoken; its directory must exist (checked before training)',
            'required'),
        ],
        examples: ['gpt-lab tokenizer train --input notes.txt --vocab-size 512 --out tok.json'],
      },
      encode: {
        summary: 'encode stdin, printing a JSON array of token ids',
        usage: '(--encoding NAME | --tokenizer FILE) [options] < text',
        options: [
          ...TOKENIZER_SOURCE,
          opt('allowed-special', 'all|NAME,...', 'special tokens in the text to encode as such', 'none'),
          opt('disallowed-special', 'all|none|NAME,...',
            'special tokens in the text that are an error (none: encode them as text)', 'all'),
        ],
        examples: ['echo "hello world" | gpt-lab tokenizer encode --encoding cl100k_base'],
      },
      decode: {
        summary: 'decode a JSON array of token ids from stdin, printing the text',
        usage: '(--encoding NAME | --tokenizer FILE) [options] < ids.json',
        options: [...TOKENIZER_SOURCE],
        examples: ["echo '[15339, 1917]' | gpt-lab tokenizer decode --encoding cl100k_base"],
      },
    },
  },
  eval: {
    summary: 'evaluate a think model (notebook 07) on held-out sums with a technique; prints JSON',
    usage: '--checkpoint DIR [--task sums2|sums3|sums4] [--technique greedy|vote|pass|best-of] [options]',
    options: [
      opt('checkpoint', 'DIR', 'the model: a think-sft stage directory (runs/<profile>/think-sft)', 'required'),
      opt('task', 'sums2|sums3|sums4', 'held-out sums of two 2-, 3- or 4-digit numbers (4 digits is never trained)',
        'sums3'),
      opt('technique', 'greedy|vote|pass|best-of',
        'greedy: one temperature-0 reply; vote: majority of N samples; pass: some sample of N right (pass@N); ' +
        'best-of: the sample --scorer ranks highest', 'greedy'),
      opt('n', 'N', 'samples per problem (greedy draws one)', '16'),
      opt('temperature', 'T', 'sampling temperature of vote, pass and best-of', '1'),
      opt('seed', 'N', 'seeds the held-out sums, the sampling and the bootstrap', '1'),
      opt('format', 'worked|direct|filler|good|bad|plain',
        'what the prompt asks for: a format token, a quality tag, or nothing (plain)', 'worked'),
      opt('problems', 'N', 'held-out sums to evaluate', '100'),
      opt('scorer', 'DIR', 'best-of: a verifier or reward model directory (runs/<profile>/think-verifier)',
        'required with best-of'),
      flag('rows', 'add every problem with its replies and outcome to the JSON'),
      BACKEND_OPTION,
    ],
    notes: [
      'Prints one JSON object: accuracy with its 95% percentile bootstrap interval, the problems right, ' +
        'tokens generated',
      '(every sample, stop tokens included). Sums a think-sft checkpoint trained on are left out of the held-out ones.',
    ],
    examples: [
      'gpt-lab eval --checkpoint runs/workshop/think-sft --task sums3 --technique vote --n 16',
      'gpt-lab eval --checkpoint runs/workshop/think-sft --task sums4 --technique greedy --format direct',
      'gpt-lab eval --checkpoint runs/workshop/think-sft --technique best-of --n 8 ' +
        '--scorer runs/workshop/think-verifier',
    ],
  },
  ask: {
    summary: 'ask a chat checkpoint one question, with the calculator, a JSON schema or a LoRA adapter; prints JSON',
    usage: '--checkpoint DIR [--calculator | --schema FILE] [--adapter FILE] [options] "QUESTION"',
    options: [
      opt('checkpoint', 'DIR', 'a chat stage directory (sft, sft-tools, rlhf, ...) holding its tokenizer.json',
        'required'),
      opt('prompt', 'TEXT', 'the question (or give it as the last argument)', 'the positional arguments'),
      flag('calculator', 'run the calculator when the model writes a tool call; its output is forced, not sampled'),
      opt('schema', 'FILE', 'a JSON schema (flat object, required keys in order): the reply is constrained to it',
        'none'),
      opt('adapter', 'FILE', 'LoRA adapters (.safetensors, writeAdapters) applied to the checkpoint', 'none'),
      opt('max-tokens', 'N', 'most tokens of the reply, forced ones included', '64'),
      opt('temperature', 'T', 'divides the logits: 0 is greedy', '0'),
      opt('seed', 'N', 'seeds the sampling', '1337'),
      BACKEND_OPTION,
    ],
    notes: ['--calculator and --schema both steer the decoder\'s row hook, so only one is taken; ' +
      '--adapter goes with either.'],
    examples: [
      'gpt-lab ask --checkpoint runs/workshop/sft-tools --calculator "Calculate 4821*37."',
      'gpt-lab ask --checkpoint runs/workshop/sft --schema answer.json "What is 47+85?"',
      'gpt-lab ask --checkpoint runs/workshop/sft ' +
        '--adapter runs/workshop/lora-json/adapter.safetensors "Where is Dusem?"',
    ],
  },
};

/** One option as the help shows it: optionLabel({ name: 'steps', value: 'N', ... }) → '--steps N'. */
function optionLabel(o: OptionHelp): string {
  return o.value === undefined ? `--${o.name}` : `--${o.name} ${o.value}`;
}

/**
 * The help text of a command, e.g. formatHelp('tokenizer encode', HELP.tokenizer.subcommands.encode):
 * summary, usage, each option with what it does and its default, notes, examples.
 */
export function formatHelp(command: string, h: CommandHelp): string {
  const labels = h.options.map(optionLabel);
  const width = Math.min(24, Math.max(10, ...labels.map((l) => l.length)));
  const indent = ' '.repeat(width + 4);
  const row = (label: string, text: string) =>
    label.length > width ? `  ${label}\n${indent}${text}` : `  ${label.padEnd(width)}  ${text}`;
  const lines = [`gpt-lab ${command}: ${h.summary}`, '', `usage: gpt-lab ${command} ${h.usage}`];
  if (h.subcommands !== undefined) {
    lines.push('', 'subcommands:');
    for (const [name, sub] of Object.entries(h.subcommands)) {
      lines.push(`  ${name.padEnd(8)}  ${sub.summary}`, `  ${' '.repeat(8)}  gpt-lab ${command} ${name} ${sub.usage}`);
    }
  }
  lines.push('', 'options:');
  h.options.forEach((o, i) => lines.push(row(labels[i], o.help), `${indent}default: ${o.default}`));
  lines.push(row('-h, --help', 'print this help and exit'));
  if (h.notes !== undefined) lines.push('', ...h.notes);
  lines.push('', 'examples:', ...h.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** Whether argv asks for help: -h or --help where an option may stand (not as the value of one, nor after `--`). */
function asksForHelp(argv: string[], h: CommandHelp): boolean {
  const valued = new Set(h.options.filter((o) => o.value !== undefined).map((o) => o.name));
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
    if (a.startsWith('--') && !a.includes('=') && valued.has(a.slice(2))) i++; // skip its value
  }
  return false;
}

/**
 * The help `gpt-lab <command> ...argv` asks for, or undefined when it asks for none. A subcommand's
 * help when argv starts with one.
 *
 *   helpRequest('pretrain', ['-h']) → 'gpt-lab pretrain: train a char-level GPT ...'
 *   helpRequest('sample', ['--prompt', '-h']) → undefined (-h is the prompt)
 */
export function helpRequest(command: string, argv: string[]): string | undefined {
  const h = HELP[command];
  if (h === undefined) return undefined;
  const sub = argv.length > 0 ? h.subcommands?.[argv[0]] : undefined;
  if (sub !== undefined) return asksForHelp(argv.slice(1), sub) ? formatHelp(`${command} ${argv[0]}`, sub) : undefined;
  return asksForHelp(argv, h) || (h.subcommands !== undefined && argv[0] === 'help')
    ? formatHelp(command, h)
    : undefined;
}
