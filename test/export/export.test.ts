// gpt-lab export / import, checked against PyTorch: test/export/reference.py builds a GPT-2 to Hugging
// Face's conventions and a GPT to nanoGPT's, loads what the export wrote, and must give our logits;
// it also reads tokenizer.json as Hugging Face's tokenizers does. Needs Debian's python3-torch.

import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { GPT, makeConfig, type GPTConfig } from '../../src/model';
import { AdamW } from '../../src/train/adamw';
import {
  loadCheckpoint, modelFromCheckpoint, readCheckpointFile, restoreOptimizer, saveCheckpoint,
} from '../../src/train/checkpoint';
import { makeTrainConfig } from '../../src/train/trainer';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { train } from '../../src/tokenizer/tokenizer';
import { fromJSON } from '../../src/tokenizer/io';
import { getEncoding } from '../../src/tokenizer/pretrained';
import { exportCheckpoint, importCheckpoint } from '../../src/export';
import { findTorchPython } from '../../src/export/nanogpt';
import {
  chatCharTokenizer, fromHfTokenizer, labTokenizerFile, mergesFromRanks, toHfTokenizer, type LabTokenizer,
} from '../../src/export/tokenizer';
import { run as exportCli, runImport as importCli } from '../../src/cli/export';
import { GptLabError } from '../../src/util/assert';
import { Rng } from '../../src/data/rng';

const SCRIPT = path.resolve(__dirname, '../../../test/export/reference.py');
const BIN = path.resolve(__dirname, '../../../bin/gpt-lab.js');
const CHARS = Array.from('\n !,.:;?ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz');

/** reference.py as one long-lived process (PyTorch imports once): a JSON line in, a JSON line out. */
class Reference {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = '';
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(python: string) {
    this.proc = spawn(python, [SCRIPT]);
    this.proc.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      for (let i = this.buffer.indexOf('\n'); i >= 0; i = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.proc.stderr.setEncoding('utf8').on('data', (chunk: string) => { this.stderr += chunk; });
    this.proc.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ error: `exited ${code}: ${this.stderr}` }));
    });
  }

  /** One request; fails the test with Python's traceback when it raised. */
  async ask(req: Record<string, unknown>): Promise<Record<string, unknown>> {
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(JSON.stringify(req) + '\n');
    });
    const res = JSON.parse(line);
    expect(res.error, `reference.py ${req.mode}`).to.equal(undefined);
    return res;
  }

  close(): void {
    this.proc.stdin.end();
  }
}

/** A model with every weight random (biases and LayerNorm gains too), so a mix-up shows in the logits. */
function randomModel(config: GPTConfig, seed: number): GPT {
  const model = new GPT(config);
  const rng = new Rng(seed);
  for (const [name, v] of model.params.byName) {
    const n = v.size;
    const gain = /ln_\d|ln_f/.test(name) && name.endsWith('.weight');
    const vals = Float32Array.from({ length: n }, () => (gain ? 1 : 0) + 0.4 * (2 * rng.next() - 1));
    tf.tidy(() => v.assign(tf.tensor(vals, v.shape)));
  }
  return model;
}

/** Random ids [B, T] below vocab. */
function ids(B: number, T: number, vocab: number, seed: number): number[][] {
  const rng = new Rng(seed);
  return Array.from({ length: B }, () => Array.from({ length: T }, () => rng.int(0, vocab)));
}

/** The largest absolute difference between our logits and nested arrays from Python. */
function maxDiff(ours: tf.Tensor, theirs: unknown): number {
  const a = ours.dataSync();
  const b = (theirs as number[][][]).flat(2);
  expect(b.length).to.equal(a.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function logitsOf(model: GPT, idx: number[][]): tf.Tensor {
  return tf.tidy(() => model.forward(tf.tensor2d(idx, [idx.length, idx[0].length], 'int32')));
}

/** Loss gradients of a model by parameter name (for one AdamW step). */
function gradsOf(model: GPT, x: number[][], y: number[][]): Map<string, tf.Tensor> {
  const xs = tf.tensor2d(x, undefined, 'int32');
  const ys = tf.tensor2d(y, undefined, 'int32');
  const { value, grads } = tf.variableGrads(() => model.loss(xs, ys), model.variables());
  value.dispose(); xs.dispose(); ys.dispose();
  return new Map([...model.params.byName].map(([name, v]) => [name, grads[v.name]]));
}

/** Saves a checkpoint of a random model after two AdamW steps (non-zero moments), with a char vocabulary. */
function makeCheckpoint(dir: string, config: GPTConfig, seed: number): void {
  const model = randomModel(config, seed);
  const opt = new AdamW(model.params.byName);
  for (let s = 0; s < 2; s++) {
    const g = gradsOf(model, ids(2, config.blockSize, config.vocabSize, 10 + s),
      ids(2, config.blockSize, config.vocabSize, 20 + s));
    opt.update(g, 1e-3);
    for (const t of g.values()) t.dispose();
  }
  const train = makeTrainConfig({ seed: 7 });
  saveCheckpoint(dir, { step: 2, config, seed: train.seed, train, vocab: { chars: CHARS }, metrics: { valLoss: 3.25 } },
    model, opt);
  opt.m.forEach((t) => t.dispose());
  opt.v.forEach((t) => t.dispose());
  model.dispose();
}

/**
 * Runs a CLI entry point, returning its exit code and what it printed, or the GptLabError it threw.
 * The backend the command may start (import does) is put back afterwards, for the tests that follow.
 */
async function cli(
  fn: (argv: string[]) => Promise<number>, argv: string[],
): Promise<{ code?: number; out: string; error?: string }> {
  const backend = tf.getBackend();
  const lines: string[] = [];
  const [log, err] = [console.log, console.error];
  console.log = (...a: unknown[]) => lines.push(a.join(' '));
  console.error = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { code: await fn(argv), out: lines.join('\n') };
  } catch (e) {
    if (e instanceof GptLabError) return { out: lines.join('\n'), error: e.message };
    throw e;
  } finally {
    console.log = log;
    console.error = err;
    if (tf.getBackend() !== backend) await tf.setBackend(backend);
  }
}

describe('gpt-lab export / import (checked with PyTorch)', function () {
  this.timeout(300_000);
  const torch = findTorchPython();
  let python: string;
  let root: string;
  let ref: Reference;
  before(function () {
    expect(torch.python, torch.why).to.be.a('string');
    python = torch.python!;
    ref = new Reference(python);
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-export-'));
  });
  after(() => {
    ref.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  for (const bias of [true, false]) {
    describe(`a small random model, bias ${bias}`, () => {
      const config = makeConfig('tiny',
        { vocabSize: CHARS.length, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8, bias });
      const idx = ids(2, 8, CHARS.length, 5);
      let ckptDir: string;
      let ours: tf.Tensor;
      before(() => {
        ckptDir = path.join(root, `ckpt-${bias}`);
        makeCheckpoint(ckptDir, config, bias ? 1 : 2);
        const model = modelFromCheckpoint(loadCheckpoint(ckptDir));
        ours = logitsOf(model, idx);
        model.dispose();
      });
      after(() => ours.dispose());

      it('the Hugging Face directory loads into a GPT-2 built to HF\'s layout and gives our logits ' +
        'within 1e-4', async () => {
        const before = tf.memory().numTensors;
        const out = path.join(root, `hf-${bias}`);
        const r = exportCheckpoint({ checkpoint: ckptDir, format: 'hf', out });
        expect(tf.memory().numTensors).to.equal(before);
        expect(r.files).to.include.members(
          ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
        const cfg = JSON.parse(fs.readFileSync(path.join(out, 'config.json'), 'utf8'));
        expect(cfg).to.include({
          model_type: 'gpt2', vocab_size: CHARS.length, n_positions: 8, n_embd: 16, n_layer: 2, n_head: 2,
          activation_function: 'gelu', layer_norm_epsilon: 1e-5,
        });
        expect(cfg.gpt_lab.bias).to.equal(bias);
        const res = await ref.ask({ mode: 'hf', dir: out, ids: idx });
        expect(maxDiff(ours, res.logits)).to.be.below(1e-4);
      });

      it('the nanoGPT ckpt.pt loads strictly into nanoGPT\'s GPT and gives our logits within 1e-4', async () => {
        const out = path.join(root, `nanogpt-${bias}`);
        const r = exportCheckpoint({ checkpoint: ckptDir, format: 'nanogpt', out });
        expect(r.files).to.include.members(
          ['ckpt.pt', 'meta.pkl', 'model.safetensors', 'ckpt.json', 'nanogpt_ckpt.py']);
        const res = await ref.ask({ mode: 'nanogpt', dir: out, ids: idx });
        expect(res.model_args).to.deep.equal({
          n_layer: 2, n_head: 2, n_embd: 16, block_size: 8, bias, vocab_size: CHARS.length, dropout: 0,
        });
        expect(res.iter_num).to.equal(2);
        expect(res.best_val_loss).to.equal(3.25);
        expect(res.optimizer_states).to.equal(loadCheckpoint(ckptDir).weights.size);
        expect(maxDiff(ours, res.logits)).to.be.below(1e-4);
      });

      for (const format of ['hf', 'nanogpt'] as const) {
        it(`${format}: export → import gives the same config, vocabulary, step and logits`, async () => {
          const exported = path.join(root, `rt-${format}-${bias}`);
          exportCheckpoint({ checkpoint: ckptDir, format, out: exported });
          const back = path.join(root, `back-${format}-${bias}`);
          const before = tf.memory().numTensors;
          const r = importCheckpoint({ format, from: exported, out: back });
          expect(tf.memory().numTensors).to.equal(before);
          expect(r.step).to.equal(2);
          const ckpt = loadCheckpoint(back);
          expect(ckpt.state.config).to.deep.equal(config);
          expect(ckpt.state.vocab?.chars).to.deep.equal(CHARS);
          if (format === 'nanogpt') {
            // the run can come back: AdamW's moments, its step and the training settings return exactly
            const orig = loadCheckpoint(ckptDir);
            expect(ckpt.state.train).to.deep.equal(orig.state.train);
            expect(ckpt.state.seed).to.equal(orig.state.seed);
            expect(ckpt.optimizer?.step).to.equal(orig.optimizer!.step);
            for (const [name, m] of orig.optimizer!.m) {
              expect(Array.from(ckpt.optimizer!.m.get(name)!.data), name).to.deep.equal(Array.from(m.data));
              expect(Array.from(ckpt.optimizer!.v.get(name)!.data), name)
                .to.deep.equal(Array.from(orig.optimizer!.v.get(name)!.data));
            }
          }
          const model = modelFromCheckpoint(ckpt);
          const theirs = logitsOf(model, idx);
          model.dispose();
          expect(maxDiff(ours, theirs.arraySync())).to.be.below(1e-6);
          theirs.dispose();
        });
      }
    });
  }

  for (const [format, bias] of [['hf', true], ['nanogpt', true], ['nanogpt', false]] as const) {
    it(`imports a ${format} model saved by PyTorch itself (bias ${bias}) with the same logits ` +
      'within 1e-4', async () => {
      const from = path.join(root, `made-${format}-${bias}`);
      fs.mkdirSync(from);
      const idx = ids(2, 8, CHARS.length, 6);
      const res = await ref.ask({ mode: `make-${format}`, dir: from, chars: CHARS, bias, ids: idx });
      const out = path.join(root, `made-${format}-${bias}-lab`);
      const r = importCheckpoint({ format, from, out });
      const ckpt = loadCheckpoint(out);
      expect(ckpt.state.config)
        .to.include({ vocabSize: CHARS.length, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 16, bias });
      expect(r.step).to.equal(format === 'nanogpt' ? 123 : 0);
      expect(ckpt.optimizer).to.equal(undefined);
      if (format === 'nanogpt') {
        expect(r.notes.join('\n'))
          .to.match(/optimizer state not imported: .*no AdamW state[^]*no training settings imported/);
      }
      if (format === 'nanogpt') expect(ckpt.state.vocab?.chars).to.deep.equal(CHARS); // from meta.pkl
      const model = modelFromCheckpoint(ckpt);
      const ours = logitsOf(model, idx);
      model.dispose();
      expect(maxDiff(ours, res.logits)).to.be.below(1e-4);
      ours.dispose();
    });
  }

  it('nanoGPT: one AdamW step on PyTorch from the exported optimizer state equals the lab\'s next step', async () => {
    const config = makeConfig('tiny', { vocabSize: CHARS.length, bias: true });
    const dir = path.join(root, 'ckpt-step');
    makeCheckpoint(dir, config, 3);
    const out = path.join(root, 'nanogpt-step');
    exportCheckpoint({ checkpoint: dir, format: 'nanogpt', out });
    const [x, y, idx, lr] = [
      ids(2, 8, CHARS.length, 31), ids(2, 8, CHARS.length, 32), ids(2, 8, CHARS.length, 33), 3e-3,
    ];
    const ckpt = loadCheckpoint(dir);
    const model = modelFromCheckpoint(ckpt);
    const opt = new AdamW(model.params.byName, makeTrainConfig().adamw);
    restoreOptimizer(opt, ckpt);
    const g = gradsOf(model, x, y);
    opt.update(g, lr);
    g.forEach((t) => t.dispose());
    const ours = logitsOf(model, idx);
    const moved = maxDiff(ours, (await ref.ask({ mode: 'nanogpt', dir: out, ids: idx })).logits);
    const res = await ref.ask({ mode: 'nanogpt-step', dir: out, x, y, lr, ids: idx });
    expect(moved, 'the step should change the logits measurably').to.be.above(1e-3);
    expect(maxDiff(ours, res.logits)).to.be.below(1e-4);
    ours.dispose();
    opt.m.forEach((t) => t.dispose());
    opt.v.forEach((t) => t.dispose());
    model.dispose();
  });

  describe('tokenizer.json, read by an independent tokenizers-style reader', () => {
    const texts = ['', 'Hello world', 'ROMEO:\nBut soft, what light through yonder window breaks?',
      "it's 12345 o'clock,  ok!!\n\n  x", 'naïve café 😀 日本語'];
    const labIds = (t: LabTokenizer, s: string) => (t.kind === 'bpe'
      ? t.tokenizer.encode(s, { allowedSpecial: 'all' })
      : Array.from(s, (c) => t.chars.indexOf(c)));

    async function check(name: string, t: LabTokenizer, strings: string[]): Promise<void> {
      const file = path.join(root, `${name}.tokenizer.json`);
      fs.writeFileSync(file, JSON.stringify(toHfTokenizer(t)));
      const res = await ref.ask({ mode: 'tokenize', file, texts: strings });
      expect(res.ids).to.deep.equal(strings.map((s) => labIds(t, s)));
      const back = fromHfTokenizer(JSON.parse(fs.readFileSync(file, 'utf8')), file);
      expect(strings.map((s) => labIds(back, s))).to.deep.equal(strings.map((s) => labIds(t, s)));
    }

    it('the chat char tokenizer (printable ASCII, specials as added tokens)', async () => {
      const t = chatCharTokenizer();
      expect(t.kind === 'chars' && t.chars.join('') === charTokenizer().chars.join('')).to.equal(true);
      await check('chat-char', t, texts.slice(0, 4));
      const tj = toHfTokenizer(t);
      expect(tj.added_tokens.map((a) => [a.content, a.id]))
        .to.deep.equal(charTokenizer().specials.map((s) => [s, charTokenizer().special(s)]));
    });

    it('a char vocabulary (Tiny Shakespeare style)', async () => {
      await check('chars', { kind: 'chars', chars: CHARS, specials: [] }, texts.slice(0, 3));
    });

    for (const pattern of ['gpt2', 'gpt4', 'o200k', 'none'] as const) {
      it(`a byte-level BPE trained here, pattern ${pattern}, with a special token in the text`, async () => {
        const corpus = fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8');
        const tok = train(corpus, { vocabSize: 256 + 200, pattern, specialTokens: ['<|endoftext|>', '<|bos|>'] });
        await check(`bpe-${pattern}`, { kind: 'bpe', tokenizer: tok },
          [...texts, 'a<|endoftext|>b<|bos|>', corpus.slice(0, 2000)]);
      });
    }

    it('GPT-2\'s r50k_base (tiktoken ranks): merges rebuilt from the ranks give the same ids', async () => {
      const tok = getEncoding('r50k_base');
      const merges = mergesFromRanks(tok);
      expect(merges.length).to.equal(50000); // GPT-2's merges.txt has 50,000 merges
      await check('r50k', { kind: 'bpe', tokenizer: tok }, [...texts, 'a<|endoftext|>b']);
      // GPT-2's own tokenizer.json also lists <|endoftext|> in its vocab and has no ignore_merges
      const tj = toHfTokenizer({ kind: 'bpe', tokenizer: tok });
      tj.model.vocab['<|endoftext|>'] = 50256;
      tj.model.ignore_merges = false;
      const file = path.join(root, 'gpt2-style.tokenizer.json');
      fs.writeFileSync(file, JSON.stringify(tj));
      const strings = [...texts, 'a<|endoftext|>b'];
      const want = strings.map((s) => tok.encode(s, { allowedSpecial: 'all' }));
      expect((await ref.ask({ mode: 'tokenize', file, texts: strings })).ids).to.deep.equal(want);
      const back = fromHfTokenizer(tj, file);
      expect(back.kind === 'bpe' && strings.map((s) => back.tokenizer.encode(s, { allowedSpecial: 'all' })))
        .to.deep.equal(want);
    });
  });

  describe('a checkpoint\'s tokenizer, through export and import', () => {
    for (const kind of ['chat-char', 'chat-bpe'] as const) {
      it(`a ${kind} checkpoint comes back as ${kind}, encoding the same`, () => {
        const specials = [...charTokenizer().specials];
        const bpe = train(fs.readFileSync(path.resolve(__dirname, '../../../README.md'), 'utf8'),
          { vocabSize: 300, pattern: 'gpt4', specialTokens: specials });
        const vocabSize = kind === 'chat-char' ? charTokenizer().vocabSize : bpe.vocabSize;
        const model = randomModel(makeConfig('tiny', { vocabSize }), 5);
        const dir = path.join(root, `tok-${kind}`);
        const files = kind === 'chat-bpe' ? { 'tokenizer.json': labTokenizerFile(bpe) } : undefined;
        saveCheckpoint(dir, { step: 1, config: model.config, seed: 1, tokenizer: kind, files }, model);
        model.dispose();
        for (const format of ['hf', 'nanogpt'] as const) {
          const out = path.join(root, `tok-${kind}-${format}`);
          exportCheckpoint({ checkpoint: dir, format, out });
          const back = path.join(root, `tok-${kind}-${format}-back`);
          importCheckpoint({ format, from: out, out: back });
          const state = loadCheckpoint(back).state;
          expect(state.tokenizer, format).to.equal(kind);
          const text = 'Who is Mara? She lives in 12 Oak St.';
          if (kind === 'chat-bpe') {
            const tok = fromJSON(JSON.parse(readCheckpointFile(back, 'tokenizer.json')!), 'tokenizer.json');
            expect(tok.encode(text)).to.deep.equal(bpe.encode(text));
            expect([...tok.specialTokens]).to.deep.equal([...bpe.specialTokens]);
          }
        }
      });
    }
  });

  describe('the commands', () => {
    let ckptDir: string;
    before(() => {
      ckptDir = path.join(root, 'ckpt-cli');
      makeCheckpoint(ckptDir, makeConfig('tiny', { vocabSize: CHARS.length }), 4);
    });

    it('refuse a missing checkpoint, an unknown format, a non-empty --out without --force, ' +
      'and an --out holding the checkpoint', async () => {
      const missing = await cli(exportCli,
        ['--checkpoint', path.join(root, 'nope'), '--format', 'hf', '--out', path.join(root, 'o1')]);
      expect(missing.error).to.match(/--checkpoint .*nope does not exist/);
      const format = await cli(exportCli,
        ['--checkpoint', ckptDir, '--format', 'onnx', '--out', path.join(root, 'o1')]);
      expect(format.error).to.equal("--format 'onnx' is not a format gpt-lab knows; use hf or nanogpt");
      const full = path.join(root, 'full');
      fs.mkdirSync(full);
      fs.writeFileSync(path.join(full, 'keep.txt'), 'mine');
      const notEmpty = await cli(exportCli, ['--checkpoint', ckptDir, '--format', 'hf', '--out', full]);
      expect(notEmpty.error).to.match(/--out .*full is not empty \(1 entries\); pass --force/);
      expect(fs.readFileSync(path.join(full, 'keep.txt'), 'utf8')).to.equal('mine');
      const holds = await cli(exportCli, ['--checkpoint', ckptDir, '--format', 'hf', '--out', root, '--force']);
      expect(holds.error).to.match(/is or holds the directory read from/);
      const cwd = await cli(exportCli, ['--checkpoint', ckptDir, '--format', 'hf', '--out', '.', '--force']);
      expect(cwd.error).to.match(/--out \. is or holds the working directory/);
      const underFile = await cli(exportCli,
        ['--checkpoint', ckptDir, '--format', 'hf', '--out', path.join(full, 'keep.txt', 'x')]);
      expect(underFile.error)
        .to.match(/cannot be written: a file is in the way of the directory .*keep\.txt; choose another directory/);
      const empty = await cli(exportCli, ['--checkpoint', ckptDir, '--format', 'hf', '--out', '', '--force']);
      expect(empty.error).to.equal('--out is empty; pass a directory for the result');
      const noFrom = await cli(importCli,
        ['--format', 'hf', '--from', path.join(root, 'nope'), '--out', path.join(root, 'o2')]);
      expect(noFrom.error).to.match(/--from .*nope is not a directory/);
      const f16 = path.join(root, 'f16');
      fs.mkdirSync(f16);
      fs.writeFileSync(path.join(f16, 'config.json'), JSON.stringify({ model_type: 'gpt2', n_embd: 16 }));
      const header = Buffer.from(JSON.stringify({ 'wte.weight': { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(header.length));
      fs.writeFileSync(path.join(f16, 'model.safetensors'), Buffer.concat([len, header, Buffer.alloc(2)]));
      const half = await cli(importCli, ['--format', 'hf', '--from', f16, '--out', path.join(root, 'o2')]);
      expect(half.error).to.match(new RegExp('model\\.safetensors holds F16 weights; gpt-lab imports float32: ' +
        'save them with model\\.float\\(\\)\\.save_pretrained'));
      expect(fs.existsSync(path.join(root, 'o1'))).to.equal(false);
      expect(fs.existsSync(path.join(root, 'o2'))).to.equal(false);
      expect(fs.readdirSync(root).filter((f) => f.includes('.tmp-'))).to.deep.equal([]);
    });

    it('--force replaces a non-empty --out whole, and a rerun gives the same files', async () => {
      const out = path.join(root, 'full');
      const stale = path.join(root, '.full.tmp-4194399'); // left by a killed export (no such process)
      fs.mkdirSync(stale);
      const r = await cli(exportCli, ['--checkpoint', ckptDir, '--format', 'hf', '--out', out, '--force']);
      expect(r.code, r.error).to.equal(0);
      expect(fs.readdirSync(out).sort())
        .to.deep.equal(['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
      const first = fs.readFileSync(path.join(out, 'model.safetensors'));
      expect((await cli(exportCli, ['--checkpoint', ckptDir, '--format', 'hf', '--out', out, '--force'])).code)
        .to.equal(0);
      expect(fs.readFileSync(path.join(out, 'model.safetensors')).equals(first)).to.equal(true);
      expect(fs.existsSync(stale)).to.equal(false);
    });

    it('without PyTorch, the nanoGPT export says ckpt.pt is not written, and the shipped converter ' +
      'makes it later', async () => {
      const out = path.join(root, 'no-torch');
      const saved = process.env.GPTLAB_PYTHON;
      process.env.GPTLAB_PYTHON = path.join(root, 'no-such-python');
      let r: Awaited<ReturnType<typeof cli>>;
      try {
        r = await cli(exportCli, ['--checkpoint', ckptDir, '--format', 'nanogpt', '--out', out]);
      } finally {
        if (saved === undefined) delete process.env.GPTLAB_PYTHON; else process.env.GPTLAB_PYTHON = saved;
      }
      expect(r.code, r.error).to.equal(0);
      expect(r.out).to.match(
        /note: ckpt\.pt NOT written: no Python with PyTorch .*no-such-python: not found.*nanogpt_ckpt\.py to-pt/);
      expect(fs.existsSync(path.join(out, 'ckpt.pt'))).to.equal(false);
      const conv = spawnSync(python, [path.join(out, 'nanogpt_ckpt.py'), 'to-pt', out], { encoding: 'utf8' });
      expect(conv.status, conv.stderr).to.equal(0);
      const model = modelFromCheckpoint(loadCheckpoint(ckptDir));
      const idx = ids(1, 8, CHARS.length, 9);
      const ours = logitsOf(model, idx);
      model.dispose();
      expect(maxDiff(ours, (await ref.ask({ mode: 'nanogpt', dir: out, ids: idx })).logits)).to.be.below(1e-4);
      ours.dispose();
    });

    it('--help prints usage, every option with its default, and an example (through bin/gpt-lab.js)', () => {
      for (const cmd of ['export', 'import']) {
        const r = spawnSync(process.execPath, [BIN, cmd, '--help'], { encoding: 'utf8', timeout: 60_000 });
        expect(r.status, r.stderr).to.equal(0);
        for (const opt of cmd === 'export'
          ? ['--checkpoint', '--format', '--out', '--force']
          : ['--from', '--format', '--out', '--force']) {
          expect(r.stdout).to.contain(opt);
        }
        expect(r.stdout).to.match(/--force[^\n]*\n\s+default: refuse/);
        expect(r.stdout).to.match(new RegExp(`examples:\\n  gpt-lab ${cmd} `));
      }
    });
  });
});
