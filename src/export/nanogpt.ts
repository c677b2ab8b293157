// Export, part 5: a nanoGPT checkpoint, so a run continues on PyTorch (train.py --init_from=resume,
// on one GPU or many with torchrun).
//
//   OUT/ckpt.pt             torch.save({model, optimizer, model_args, iter_num, best_val_loss, config}),
//                           made by nanogpt_ckpt.py with PyTorch; nanoGPT's names, nn.Linear's [out, in]
//   OUT/model.safetensors   the same weights without PyTorch's pickle (lm_head left out: it is wte)
//   OUT/optimizer.safetensors  AdamW's moments (exp_avg.<name>, exp_avg_sq.<name>), when the run had them
//   OUT/ckpt.json           model_args, iter_num, best_val_loss, config, the optimizer's settings, meta
//   OUT/meta.pkl            a char vocabulary as nanoGPT's data/<dataset>/meta.pkl (stoi, itos)
//   OUT/tokenizer.json      the tokenizer in Hugging Face's format (tokenizer.ts)
//   OUT/nanogpt_ckpt.py     the converter, to make ckpt.pt later where PyTorch is (python3 nanogpt_ckpt.py to-pt OUT)
//   OUT/README.md           how to continue the run with nanoGPT's train.py or torchrun
//
// Reading brings AdamW's moments and train.py's settings back too, so the lab resumes the run.
// Writing ckpt.pt needs Python with torch (GPTLAB_PYTHON, /usr/bin/python3, python3 or python); without
// one the other files are written and the note says how to finish. Reading a ckpt.pt needs it too.
// Left out: writing PyTorch's zip/pickle format from Node; nanoGPT's padded GPT-2 vocabulary (50304).

import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { decodeSafetensors, encodeSafetensors, NamedArray, type GPTConfig } from '../model';
import { PROJECT_ROOT } from '../util/project';
import { assert, GptLabError } from '../util/assert';
import { toHfTokenizer, fromHfTokenizer } from './tokenizer';
import { makeTrainConfig, type TrainConfig } from '../train/trainer';
import { fromNanogptWeights, isLinearWeight, pickWeights, toNanogptWeights, transpose2d } from './weights';
import type { ExportSource, Imported } from './source';

/** The converter script, shipped in the repository beside this file's source. */
export const CONVERTER = path.join(PROJECT_ROOT, 'src', 'export', 'nanogpt_ckpt.py');

/** The first Python that imports torch, or why none does. */
export function findTorchPython(): { python?: string; why: string } {
  const env = process.env.GPTLAB_PYTHON;
  const candidates = env ? [env] : ['/usr/bin/python3', 'python3', 'python'];
  const whys: string[] = [];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8', timeout: 60_000 });
    if (r.status === 0) return { python: py, why: `${py}: torch ${r.stdout.trim()}` };
    whys.push(`${py}: ${r.error ? 'not found' : 'no torch'}`);
  }
  return {
    why: `no Python with PyTorch (${whys.join('; ')}); install it (Debian: apt-get install python3-torch) ` +
      'or set GPTLAB_PYTHON',
  };
}

/** Runs the converter; a failure is a GptLabError with Python's last lines. */
function convert(python: string, args: string[]): void {
  const r = spawnSync(python, [CONVERTER, ...args], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const tail = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').slice(-3).join(' | ');
  assert(r.status === 0,
    () => `${path.basename(CONVERTER)} ${args[0]} failed (${r.error?.message ?? `exit ${r.status}`}): ${tail}`);
}

/** nanoGPT's model_args for a lab config. */
export function modelArgs(c: GPTConfig): Record<string, unknown> {
  return {
    n_layer: c.nLayer, n_head: c.nHead, n_embd: c.nEmbd, block_size: c.blockSize, bias: c.bias !== false,
    vocab_size: c.vocabSize, dropout: c.dropout,
  };
}

/** nanoGPT's train.py settings that the lab's run recorded (its names for the lab's TrainConfig). */
function trainArgs(src: ExportSource): Record<string, unknown> {
  const base = {
    ...modelArgs(src.config), init_from: 'resume', dataset: (src.data ?? 'shakespeare-char').replace(/-/g, '_'),
    gpt_lab_seed: src.config.seed, // the lab's init seed (nanoGPT's model_args have no seed), for the way back
  };
  const t = src.train;
  if (t === undefined) return base;
  return {
    ...base, batch_size: t.batchSize, gradient_accumulation_steps: t.gradAccumSteps, max_iters: t.maxSteps,
    learning_rate: t.schedule.maxLr, min_lr: t.schedule.minLr, warmup_iters: t.schedule.warmupSteps,
    lr_decay_iters: t.schedule.decaySteps, decay_lr: true, beta1: t.adamw.beta1, beta2: t.adamw.beta2,
    weight_decay: t.adamw.weightDecay, grad_clip: t.gradClip, eval_interval: t.evalEvery, eval_iters: t.evalIters,
    log_interval: t.logEvery, gpt_lab_train_seed: src.seed,
  };
}

/** The README.md of a nanoGPT export. */
function readme(src: ExportSource, dataset: string): string {
  return `# A gpt-lab run as a nanoGPT checkpoint

Exported by \`gpt-lab export --format nanogpt\` at iteration ${src.step}. In a clone of nanoGPT
(https://github.com/karpathy/nanoGPT), with the data prepared as nanoGPT does (\`data/${dataset}/train.bin\`;
for char-level Tiny Shakespeare \`python data/shakespeare_char/prepare.py\` makes the same 65-character
vocabulary as the lab):

\`\`\`sh
python train.py config/train_shakespeare_char.py --init_from=resume --out_dir=THIS_DIR            # one GPU or CPU
torchrun --standalone --nproc_per_node=8 train.py config/train_shakespeare_char.py --init_from=resume --out_dir=THIS_DIR
python sample.py --init_from=resume --out_dir=THIS_DIR
\`\`\`

train.py takes the model's shape from ckpt.pt (model_args) and continues from iter_num with the optimizer's
moments (ckpt.pt's AdamW state${src.optimizer === undefined ? ' is empty here: the lab checkpoint had none' : ''}` +
    `); raise --max_iters above ${src.step} to train on.
${src.tokenizer?.kind === 'bpe'
    ? 'The tokenizer is a BPE of its own, in tokenizer.json (Hugging Face tokenizers); nanoGPT\'s sample.py knows ' +
      'only meta.pkl\nand GPT-2\'s, so encode prompts with tokenizers.'
    : 'meta.pkl (char vocabularies) belongs in `data/' + dataset + '/` for sample.py.'}` +
    ` model.safetensors, optimizer.safetensors and
ckpt.json hold the same numbers without PyTorch's pickle; ` +
    `\`python3 nanogpt_ckpt.py to-pt .\` rebuilds ckpt.pt from them.
To bring the run back: \`gpt-lab import --format nanogpt --from THIS_DIR --out DIR\`, ` +
    `then \`gpt-lab pretrain --out DIR\`.
`;
}

/** Writes the nanoGPT directory's files into dir (which exists and is empty); returns notes. */
export function writeNanogpt(src: ExportSource, dir: string, python: string | undefined, why: string): string[] {
  const c = src.config;
  const notes: string[] = [];
  fs.writeFileSync(path.join(dir, 'model.safetensors'),
    encodeSafetensors(toNanogptWeights(c, src.weights), { format: 'pt' }));
  let optimizer: Record<string, unknown> | null = null;
  if (src.optimizer !== undefined) {
    const moments = new Map<string, NamedArray>();
    const layout = (name: string, a: NamedArray) => (isLinearWeight(name) ? transpose2d(a) : a);
    for (const [name, m] of src.optimizer.m) moments.set(`exp_avg.${name}`, layout(name, m));
    for (const [name, v] of src.optimizer.v) moments.set(`exp_avg_sq.${name}`, layout(name, v));
    fs.writeFileSync(path.join(dir, 'optimizer.safetensors'), encodeSafetensors(moments, { format: 'pt' }));
    const a = src.train?.adamw;
    optimizer = {
      step: src.optimizer.step, lr: src.train?.schedule.maxLr ?? 1e-3, betas: [a?.beta1 ?? 0.9, a?.beta2 ?? 0.99],
      eps: a?.eps ?? 1e-8, weight_decay: a?.weightDecay ?? 0.1,
    };
  } else {
    notes.push('the checkpoint holds no optimizer state: ckpt.pt has an empty AdamW state (it starts fresh on resume)');
  }
  let meta: Record<string, unknown> | null = null;
  if (src.tokenizer !== undefined) {
    fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(toHfTokenizer(src.tokenizer), null, 2) + '\n');
    if (src.tokenizer.kind === 'chars') {
      const itos = [...src.tokenizer.chars, ...src.tokenizer.specials];
      meta = { vocab_size: itos.length, itos };
    }
  }
  const config = trainArgs(src);
  const info = {
    model_args: modelArgs(c), iter_num: src.step, best_val_loss: src.valLoss ?? 1e9, config, optimizer, meta,
  };
  fs.writeFileSync(path.join(dir, 'ckpt.json'), JSON.stringify(info, null, 2) + '\n');
  fs.writeFileSync(path.join(dir, 'README.md'), readme(src, String(config.dataset)));
  assert(fs.existsSync(CONVERTER),
    () => `the converter ${CONVERTER} is missing; gpt-lab's src/export/ is incomplete (reinstall gpt-lab)`);
  fs.copyFileSync(CONVERTER, path.join(dir, path.basename(CONVERTER)));
  if (python === undefined) {
    notes.push(`ckpt.pt NOT written: ${why}. Everything else is; finish where PyTorch is with: ` +
      `python3 ${path.join(dir, path.basename(CONVERTER))} to-pt DIR`);
  } else {
    convert(python, ['to-pt', dir]);
  }
  return notes;
}

/** The lab config of nanoGPT's model_args; `source` names the file. */
function configOf(args: Record<string, unknown>, seed: unknown, source: string): GPTConfig {
  const int = (k: string) => {
    const v = args[k];
    assert(Number.isSafeInteger(v) && (v as number) > 0,
      () => `${source}: model_args.${k} is ${JSON.stringify(v)}, expected a positive integer`);
    return v as number;
  };
  return {
    vocabSize: int('vocab_size'), blockSize: int('block_size'), nLayer: int('n_layer'), nHead: int('n_head'),
    nEmbd: int('n_embd'),
    dropout: typeof args.dropout === 'number' ? args.dropout : 0,
    seed: Number.isSafeInteger(seed) ? seed as number : 1337, bias: args.bias !== false,
  };
}

/** The optimizer settings ckpt.json records (to_pt's input, from_pt's output). */
interface OptimizerInfo {
  step?: number; lr?: number; betas?: [number, number]; eps?: number; weight_decay?: number; skipped?: string;
}

/**
 * The lab's TrainConfig from nanoGPT's train.py settings (its config dict), or undefined when they
 * are not there or do not fit the lab (a note says why).
 *
 *   trainFromNanogpt({ batch_size: 12, max_iters: 2000, learning_rate: 1e-3, ... })
 *     → { batchSize: 12, maxSteps: 2000, ... }
 */
export function trainFromNanogpt(
  cfg: Record<string, unknown> | undefined, opt: OptimizerInfo | undefined, notes: string[],
): TrainConfig | undefined {
  const num = (k: string) => (typeof cfg?.[k] === 'number' ? cfg[k] as number : undefined);
  const [lr, maxSteps, batchSize] = [num('learning_rate'), num('max_iters'), num('batch_size')];
  if (lr === undefined || maxSteps === undefined || batchSize === undefined) {
    notes.push('ckpt.pt\'s config has no learning_rate, max_iters and batch_size: no training settings imported ' +
      '(resume with your own)');
    return undefined;
  }
  const decay = cfg?.decay_lr !== false;
  try {
    return makeTrainConfig({
      batchSize, gradAccumSteps: num('gradient_accumulation_steps') ?? 1, maxSteps,
      schedule: decay
        ? {
          maxLr: lr, minLr: num('min_lr') ?? lr / 10, warmupSteps: num('warmup_iters') ?? 0,
          decaySteps: num('lr_decay_iters') ?? maxSteps,
        }
        : { maxLr: lr, minLr: lr, warmupSteps: 0, decaySteps: 0 },
      adamw: {
        beta1: num('beta1') ?? opt?.betas?.[0] ?? 0.9, beta2: num('beta2') ?? opt?.betas?.[1] ?? 0.95,
        eps: opt?.eps ?? 1e-8, weightDecay: num('weight_decay') ?? opt?.weight_decay ?? 0.1,
      },
      gradClip: num('grad_clip') ?? 1, evalEvery: num('eval_interval') ?? 250, evalIters: num('eval_iters') ?? 200,
      logEvery: num('log_interval') ?? 10, seed: num('gpt_lab_train_seed') ?? 1337,
    });
  } catch (e) {
    if (!(e instanceof GptLabError)) throw e;
    notes.push(`ckpt.pt's training settings do not fit the lab (${e.message}): none imported`);
    return undefined;
  }
}

/** AdamW's moments from optimizer.safetensors (nanoGPT's layout) in the lab's layout, or undefined. */
function readMoments(dir: string, opt: OptimizerInfo | undefined, notes: string[]): Imported['optimizer'] {
  const file = path.join(dir, 'optimizer.safetensors');
  if (opt?.skipped !== undefined) notes.push(`optimizer state not imported: ${opt.skipped}`);
  if (opt?.step === undefined || !fs.existsSync(file)) return undefined;
  const t = decodeSafetensors(fs.readFileSync(file), file).tensors;
  const m = new Map<string, NamedArray>();
  const v = new Map<string, NamedArray>();
  const lab = (name: string, a: NamedArray) => (isLinearWeight(name) ? transpose2d(a) : a);
  for (const [key, a] of t) {
    if (key.startsWith('exp_avg.')) m.set(key.slice(8), lab(key.slice(8), a));
    else if (key.startsWith('exp_avg_sq.')) v.set(key.slice(11), lab(key.slice(11), a));
  }
  return { step: opt.step, m, v };
}

/**
 * Reads a nanoGPT checkpoint: DIR/ckpt.pt (through PyTorch), or, without PyTorch, the model.safetensors
 * and ckpt.json an export wrote beside it. A meta.pkl beside ckpt.pt gives the char vocabulary.
 */
export function readNanogpt(dir: string, work: string, python: string | undefined, why: string): Imported {
  const pt = path.join(dir, 'ckpt.pt');
  const notes: string[] = [];
  let from = dir;
  if (fs.existsSync(pt) && python !== undefined) {
    convert(python, ['from-pt', pt, work]);
    from = work;
  } else {
    assert(fs.existsSync(path.join(dir, 'model.safetensors')) && fs.existsSync(path.join(dir, 'ckpt.json')),
      () => fs.existsSync(pt) ? `reading ${pt} needs PyTorch: ${why}` : `${dir} holds no nanoGPT checkpoint (ckpt.pt)`);
    if (fs.existsSync(pt)) notes.push(`read model.safetensors and ckpt.json beside ckpt.pt (${why})`);
  }
  const infoFile = path.join(from, 'ckpt.json');
  let info: {
    model_args: Record<string, unknown>; iter_num?: number; config?: Record<string, unknown>; meta?: { itos: string[] };
    optimizer?: OptimizerInfo | null;
  };
  try {
    info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
  } catch (e) {
    throw new GptLabError(`${infoFile} is not valid JSON (${(e as Error).message})`);
  }
  assert(info.model_args !== undefined && info.model_args !== null, () => `${infoFile} has no model_args`);
  const config = configOf(info.model_args, info.config?.gpt_lab_seed, infoFile);
  const wFile = path.join(from, 'model.safetensors');
  const raw = decodeSafetensors(fs.readFileSync(wFile), wFile).tensors;
  const weights = pickWeights(config, fromNanogptWeights(raw), wFile);
  // the tokenizer: tokenizer.json (an export of ours), else meta.pkl's characters
  let tokenizer: Imported['tokenizer'];
  const tokFile = path.join(dir, 'tokenizer.json');
  if (fs.existsSync(tokFile)) tokenizer = fromHfTokenizer(JSON.parse(fs.readFileSync(tokFile, 'utf8')), tokFile);
  else if (info.meta !== undefined) {
    // itos: the characters, then any longer names (special tokens) after them
    const n = info.meta.itos.findIndex((s) => Array.from(s).length !== 1);
    const cut = n < 0 ? info.meta.itos.length : n;
    tokenizer = { kind: 'chars', chars: info.meta.itos.slice(0, cut), specials: info.meta.itos.slice(cut) };
  }
  else {
    notes.push('no meta.pkl or tokenizer.json beside ckpt.pt: the checkpoint records no tokenizer ' +
      '(nanoGPT then uses GPT-2\'s)');
  }
  const step = Number.isSafeInteger(info.iter_num) ? info.iter_num! : 0;
  const opt = info.optimizer ?? undefined;
  const optimizer = readMoments(from, opt, notes);
  if (optimizer !== undefined) {
    for (const name of weights.keys()) {
      assert(optimizer.m.has(name) && optimizer.v.has(name),
        () => `${from}/optimizer.safetensors lacks the moments of ${name}`);
    }
  }
  const train = trainFromNanogpt(info.config, opt, notes);
  return { config, weights, step, tokenizer, notes, optimizer, train };
}
