// Export, part 3: a Hugging Face GPT-2 directory, written and read.
//
//   OUT/config.json             GPT2Config: vocab_size, n_positions, n_embd, n_layer, n_head, n_inner,
//                               activation_function "gelu" (exact erf, as the lab's; GPT-2 itself used
//                               "gelu_new", the tanh form), layer_norm_epsilon 1e-5, dropouts, tied head,
//                               and gpt_lab: the lab's own fields (bias, seed, step) for the way back
//   OUT/model.safetensors       transformer.* weights, HF's Conv1D layout [in, out] (see weights.ts)
//   OUT/tokenizer.json          the tokenizer (tokenizer.ts), when the checkpoint has one
//   OUT/tokenizer_config.json   so AutoTokenizer loads tokenizer.json as a PreTrainedTokenizerFast
//   OUT/README.md               what the files are, how to load them, and what differs from GPT-2
//
// Loads with transformers: GPT2LMHeadModel.from_pretrained(OUT), AutoTokenizer.from_pretrained(OUT).
// Reading accepts the Hub's older names too ('h.0.attn.c_attn.weight' without 'transformer.', the
// 'attn.bias' mask buffers) and notes what the lab computes differently (gelu_new, another epsilon).
// Left out: safetensors in fp16/bf16, sharded weights, pytorch_model.bin.

import * as fs from 'fs';
import * as path from 'path';
import { decodeSafetensors, encodeSafetensors, LN_EPS, NamedArray, type GPTConfig } from '../model';
import { assert, GptLabError } from '../util/assert';
import { toHfTokenizer, fromHfTokenizer, type LabTokenizer } from './tokenizer';
import { biasesAllZero, pickWeights, toHfWeights } from './weights';
import type { ExportSource, Imported } from './source';

/** The lab's fields kept in config.json under "gpt_lab" (HF keeps unknown config fields as attributes). */
interface GptLabFields {
  bias: boolean; seed: number; step: number; stage?: string; data?: string;
}

/** config.json for a lab config. */
export function hfConfig(c: GPTConfig, lab: GptLabFields, specials: Record<string, number>): Record<string, unknown> {
  const eos = specials['<|endoftext|>'];
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.blockSize,
    n_ctx: c.blockSize,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: null, // 4 · n_embd, as the lab's MLP
    activation_function: 'gelu', // exact erf GELU, the lab's (GPT-2's own "gelu_new" is the tanh form)
    layer_norm_epsilon: LN_EPS,
    resid_pdrop: c.dropout, embd_pdrop: c.dropout, attn_pdrop: c.dropout,
    initializer_range: 0.02,
    scale_attn_weights: true,
    scale_attn_by_inverse_layer_idx: false,
    reorder_and_upcast_attn: false,
    tie_word_embeddings: true,
    use_cache: true,
    bos_token_id: eos ?? null,
    eos_token_id: eos ?? null,
    torch_dtype: 'float32',
    // a bias-free lab model has every bias written as zeros; gpt_lab.bias says it had none
    gpt_lab: lab,
  };
}

function writeJson(file: string, data: unknown): void {
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

const NO_BIAS = `The model was trained **without biases** (nanoGPT's bias=False). GPT-2 always has them, so
  model.safetensors holds every bias as zeros, which computes the same function; config.json says
  \`gpt_lab.bias: false\`, and \`gpt-lab import\` drops them again while they are all still zero.`;

/** The README.md of an HF export. */
function readme(src: ExportSource): string {
  const c = src.config;
  return `# A gpt-lab model in Hugging Face's GPT-2 layout

Exported by \`gpt-lab export --format hf\` from step ${src.step}${src.stage ? ` of the ${src.stage} stage` : ''}` +
    `: ${c.nLayer} layers,
${c.nHead} heads, ${c.nEmbd} dimensions, a context of ${c.blockSize} tokens, ${c.vocabSize} token ids.

\`\`\`python
from transformers import GPT2LMHeadModel, AutoTokenizer
model = GPT2LMHeadModel.from_pretrained('.')      # config.json + model.safetensors
tok = AutoTokenizer.from_pretrained('.')          # tokenizer.json (if the checkpoint recorded a tokenizer)
\`\`\`

- The activation is exact GELU (\`"gelu"\`, erf), as the lab computes it; ` +
    `GPT-2 itself used the tanh form (\`"gelu_new"\`).
- ${c.bias === false ? NO_BIAS : 'The model has biases, as GPT-2.'}
- The LM head is tied to the token embedding (\`lm_head.weight\` is \`transformer.wte.weight\`, left out of the file).
- The tokenizer's special tokens are added tokens: the tokenizer turns their names in the text into their ids,
  which the lab's own encode never does.
`;
}

/** Writes the HF directory's files into dir (which exists and is empty). */
export function writeHf(src: ExportSource, dir: string): string[] {
  const c = src.config;
  const notes: string[] = [];
  const added = src.tokenizer === undefined ? [] : toHfTokenizer(src.tokenizer).added_tokens;
  const specials = Object.fromEntries(added.map((a) => [a.content, a.id]));
  const lab: GptLabFields = { bias: c.bias !== false, seed: c.seed, step: src.step, stage: src.stage, data: src.data };
  writeJson(path.join(dir, 'config.json'), hfConfig(c, lab, specials));
  fs.writeFileSync(path.join(dir, 'model.safetensors'),
    encodeSafetensors(toHfWeights(c, src.weights), { format: 'pt' }));
  fs.writeFileSync(path.join(dir, 'README.md'), readme(src));
  if (c.bias === false) {
    notes.push('the model has no biases: model.safetensors holds them as zeros (the same function); ' +
      'config.json says gpt_lab.bias false');
  }
  if (src.tokenizer !== undefined) {
    writeJson(path.join(dir, 'tokenizer.json'), toHfTokenizer(src.tokenizer));
    const eos = specials['<|endoftext|>'] === undefined
      ? {}
      : { eos_token: '<|endoftext|>', bos_token: '<|endoftext|>' };
    const tokConfig = { tokenizer_class: 'PreTrainedTokenizerFast', model_max_length: c.blockSize, ...eos };
    writeJson(path.join(dir, 'tokenizer_config.json'), tokConfig);
  } else {
    notes.push('the checkpoint records no tokenizer: no tokenizer.json written');
  }
  return notes;
}

function readJson(file: string, what: string): unknown {
  assert(fs.existsSync(file), () => `${file} is missing; ${what}`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new GptLabError(`${file} is not valid JSON (${(e as Error).message})`);
  }
}

/** A positive integer field of config.json. */
function intField(cfg: Record<string, unknown>, name: string, file: string): number {
  const v = cfg[name];
  assert(Number.isSafeInteger(v) && (v as number) > 0,
    () => `${file}: ${name} is ${JSON.stringify(v)}, expected a positive integer`);
  return v as number;
}

/** The dtypes in a safetensors file's header, to say clearly when the weights are not float32. */
function dtypesOf(bytes: Uint8Array): string[] {
  if (bytes.length < 8) return [];
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  try {
    const header = JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset + 8, Math.min(n, bytes.length - 8)).toString('utf8'));
    return [...new Set(Object.entries(header).filter(([k]) => k !== '__metadata__')
      .map(([, v]) => String((v as { dtype?: string }).dtype)))];
  } catch {
    return []; // decodeSafetensors says what is wrong
  }
}

/**
 * HF weight names as the lab's: 'h.0.ln_1.weight' → 'transformer.h.0.ln_1.weight'; mask buffers and a tied head
 * dropped.
 */
function labNames(tensors: Map<string, NamedArray>, file: string): Map<string, NamedArray> {
  const out = new Map<string, NamedArray>();
  for (const [name, t] of tensors) {
    if (/\.attn\.(bias|masked_bias)$/.test(name)) continue; // the causal mask, not a weight
    if (name === 'lm_head.weight') continue; // checked below
    out.set(name.startsWith('transformer.') ? name : `transformer.${name}`, t);
  }
  const head = tensors.get('lm_head.weight');
  const wte = out.get('transformer.wte.weight');
  if (head !== undefined && wte !== undefined) {
    assert(head.data.every((x, i) => x === wte.data[i]),
      () => `${file}: lm_head.weight differs from wte; gpt-lab ties the two and cannot import an untied head`);
  }
  return out;
}

/** Reads a Hugging Face GPT-2 directory into the lab's layout. */
export function readHf(dir: string): Imported {
  const cfgFile = path.join(dir, 'config.json');
  const cfg = readJson(cfgFile, `${dir} is not a Hugging Face model directory`) as Record<string, unknown>;
  assert(cfg.model_type === 'gpt2',
    () => `${cfgFile}: model_type is ${JSON.stringify(cfg.model_type)}; gpt-lab imports GPT-2-layout models ("gpt2")`);
  const notes: string[] = [];
  const nEmbd = intField(cfg, 'n_embd', cfgFile);
  assert(cfg.n_inner === null || cfg.n_inner === undefined || cfg.n_inner === 4 * nEmbd,
    () => `${cfgFile}: n_inner ${cfg.n_inner} is not 4 · n_embd (${4 * nEmbd}), the lab's MLP width`);
  assert(cfg.tie_word_embeddings !== false,
    () => `${cfgFile}: tie_word_embeddings is false; gpt-lab ties the head to wte`);
  const act = cfg.activation_function ?? 'gelu_new';
  if (act !== 'gelu') {
    notes.push(`activation_function is ${JSON.stringify(act)}; the lab computes exact GELU ("gelu"), ` +
      'so logits differ slightly (under 1e-3 per activation for gelu_new)');
  }
  const eps = cfg.layer_norm_epsilon ?? 1e-5;
  if (eps !== LN_EPS) notes.push(`layer_norm_epsilon is ${eps}; the lab uses ${LN_EPS}`);
  for (const flag of ['scale_attn_by_inverse_layer_idx', 'reorder_and_upcast_attn'] as const) {
    assert(cfg[flag] !== true, () => `${cfgFile}: ${flag} is true, which the lab's attention does not do`);
  }
  const lab = (cfg.gpt_lab ?? {}) as Partial<GptLabFields>;
  const wFile = path.join(dir, 'model.safetensors');
  assert(fs.existsSync(wFile),
    () => `${wFile} is missing; gpt-lab imports safetensors weights (save with safe_serialization=True)`);
  const bytes = fs.readFileSync(wFile);
  const dtypes = dtypesOf(bytes).filter((d) => d !== 'F32');
  assert(dtypes.length === 0,
    () => `${wFile} holds ${dtypes.join(', ')} weights; gpt-lab imports float32: save them with ` +
      'model.float().save_pretrained(DIR) first');
  const raw = labNames(decodeSafetensors(bytes, wFile).tensors, wFile);
  const base: GPTConfig = {
    vocabSize: intField(cfg, 'vocab_size', cfgFile),
    blockSize: intField(cfg, 'n_positions', cfgFile),
    nLayer: intField(cfg, 'n_layer', cfgFile),
    nHead: intField(cfg, 'n_head', cfgFile),
    nEmbd,
    dropout: typeof cfg.resid_pdrop === 'number' ? cfg.resid_pdrop : 0,
    seed: Number.isSafeInteger(lab.seed) ? lab.seed! : 1337,
  };
  const bias = !(lab.bias === false && biasesAllZero(raw));
  if (lab.bias === false && bias) {
    notes.push('config.json says the model had no biases, but some are no longer zero: imported with biases');
  }
  const config: GPTConfig = { ...base, bias };
  const weights = pickWeights(config, bias ? raw : new Map([...raw].filter(([n]) => !n.endsWith('.bias'))), wFile);
  const tokFile = path.join(dir, 'tokenizer.json');
  let tokenizer: LabTokenizer | undefined;
  if (fs.existsSync(tokFile)) tokenizer = fromHfTokenizer(readJson(tokFile, ''), tokFile);
  else notes.push('no tokenizer.json: the checkpoint records no tokenizer');
  return {
    config, weights, step: Number.isSafeInteger(lab.step) ? lab.step! : 0, tokenizer, notes, stage: lab.stage,
    data: lab.data,
  };
}
