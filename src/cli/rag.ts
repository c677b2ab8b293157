// `gpt-lab rag`: build a retrieval index of the world's documents, and answer a question from it.
//
//   gpt-lab rag index --out out/idx                                   BM25 over fact chunks
//   gpt-lab rag index --out out/idx-dense --encoder runs/full/encoder --chunks doc
//   gpt-lab rag ask --index out/idx --checkpoint runs/full/openbook "How old is Zevim?"   (--json for JSON)
//
// `ask` retrieves the k best chunks, puts as many as fit the context into the open-book prompt, and
// prints the answer with the passages it read. Left out: indexing your own documents (the chunkers
// read the task world).

import * as fs from 'fs';
import * as path from 'path';
import { parseArgs, intOption } from './args';
import { initBackend, parseBackendName } from '../backend';
import { assert } from '../util/assert';
import { checkOutputPath } from '../util/output-path';
import { stageWorld } from '../pipeline/run';
import { loadStageModel } from '../pipeline/load';
import { ChunkerName } from '../retrieval/chunk';
import { buildRagIndex, EncoderModel, loadRagIndex, readRagIndexMeta } from '../retrieval/rag-index';
import { answerWithPassages, chunkPassage } from '../retrieval/rag';

const CHUNKS: Record<string, ChunkerName> = { fact: 'fact', doc: 'document', window: 'window' };

/** A checkpoint directory as an encoder: an 'encoder' stage is contrastive, any other chat model mean-pooled. */
function loadEncoder(dir: string): EncoderModel {
  assert(fs.existsSync(dir),
    () => `--encoder ${dir} does not exist; give an encoder checkpoint (e.g. runs/full/encoder) or 'bm25'`);
  const m = loadStageModel(dir);
  return {
    model: m.model, tok: m.tok, dir: path.resolve(dir),
    kind: m.state.stage === 'encoder' ? 'contrastive' : 'mean-pooled',
  };
}

async function index(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['out', 'encoder', 'chunks', 'backend'], ['json']);
  const o = args.options;
  assert(args.positional.length === 0,
    () => `gpt-lab rag index takes no positional arguments (got '${args.positional.join(' ')}')`);
  assert(o.out !== undefined, () => 'index: --out DIR is required (where the index goes)');
  const chunker = CHUNKS[o.chunks ?? 'fact'];
  assert(chunker !== undefined,
    () => `--chunks '${o.chunks}' is not a chunker; use one of: ${Object.keys(CHUNKS).join(', ')}`);
  const out = checkOutputPath(o.out, 'dir');
  const encoderArg = o.encoder ?? 'bm25';
  if (encoderArg !== 'bm25') {
    assert(fs.existsSync(encoderArg),
      () => `--encoder ${encoderArg} does not exist; give an encoder checkpoint (e.g. runs/full/encoder) or 'bm25'`);
  }
  await initBackend({
    backend: o.backend === undefined ? undefined : parseBackendName(o.backend, '--backend'), source: '--backend',
  });
  const encoder = encoderArg === 'bm25' ? undefined : loadEncoder(encoderArg);
  const started = performance.now();
  try {
    const meta = buildRagIndex(out, stageWorld(), chunker, encoder);
    const seconds = (performance.now() - started) / 1000;
    if (o.json === 'true') {
      console.log(JSON.stringify({ dir: out, ...meta, seconds: Number(seconds.toFixed(2)) }, null, 2));
    } else {
      const by = meta.retriever === 'bm25' ? 'BM25' : `the ${meta.encoder!.kind} encoder ${meta.encoder!.dir}`;
      console.log(`indexed ${meta.count} ${o.chunks ?? 'fact'} chunks with ${by} into ${out} ` +
        `in ${seconds.toFixed(1)} s`);
    }
  } finally {
    encoder?.model.dispose();
  }
  return 0;
}

async function ask(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['index', 'checkpoint', 'k', 'max-tokens', 'backend'], ['json']);
  const o = args.options;
  assert(o.index !== undefined, () => 'ask: --index DIR is required (built by `gpt-lab rag index --out DIR`)');
  assert(o.checkpoint !== undefined,
    () => 'ask: --checkpoint DIR is required (an open-book model, e.g. runs/full/openbook)');
  assert(args.positional.length === 1 && args.positional[0].trim() !== '',
    () => `gpt-lab rag ask takes one question in quotes (got ${args.positional.length} arguments), ` +
      'e.g. "How old is Zevim?"');
  const question = args.positional[0];
  const k = intOption(args, 'k', 3, 1);
  const maxTokens = intOption(args, 'max-tokens', 32, 1);
  const meta = readRagIndexMeta(o.index); // before loading any model: a missing index is the cheapest error
  assert(fs.existsSync(o.checkpoint),
    () => `--checkpoint ${o.checkpoint} does not exist; give an open-book model (e.g. runs/full/openbook)`);
  await initBackend({
    backend: o.backend === undefined ? undefined : parseBackendName(o.backend, '--backend'), source: '--backend',
  });
  const encoder = meta.encoder === undefined ? undefined : loadEncoder(meta.encoder.dir);
  const chat = loadStageModel(o.checkpoint);
  const loaded = (() => {
    try {
      return loadRagIndex(o.index, stageWorld(), encoder);
    } catch (e) {
      encoder?.model.dispose();
      chat.model.dispose();
      throw e;
    }
  })();
  try {
    const hits = loaded.retriever.search([question], k)[0];
    const byId = new Map(loaded.chunks.map((c) => [c.id, c]));
    const passages = hits.map((h) => chunkPassage(byId.get(h.id)!));
    const [c] = answerWithPassages(chat, [{ question, passages, expected: { kind: 'number', value: NaN } }],
      { maxTokens });
    const used = hits.slice(0, c.passages.length).map((h) => ({
      id: h.id, score: Number(h.score.toFixed(4)), text: byId.get(h.id)!.text,
    }));
    if (o.json === 'true') {
      console.log(JSON.stringify({
        question, answer: c.answer, passages: used, retrieved: hits.length, index: o.index, retriever: meta.retriever,
        checkpoint: o.checkpoint, stage: chat.state.stage,
      }, null, 2));
    } else {
      console.log(`${c.answer}\n\npassages (${meta.retriever}, ${used.length} of ${hits.length} ` +
        'retrieved fit the context):');
      used.forEach((p, i) => console.log(`  ${i + 1}. [${p.id}, ${p.score}] ${p.text}`));
      if (chat.state.stage !== 'openbook') {
        console.log(`(note: ${o.checkpoint} is a '${chat.state.stage}' model, not one fine-tuned on passages: ` +
          'see the openbook stage)');
      }
    }
  } finally {
    loaded.dispose();
    encoder?.model.dispose();
    chat.model.dispose();
  }
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'index') return index(rest);
  if (sub === 'ask') return ask(rest);
  parseArgs(argv.filter((a) => a.startsWith('--')), []); // an option before the subcommand: say which are known
  assert(false,
    () => `${sub === undefined ? 'no subcommand' : `unknown subcommand '${sub}'`}; ` +
      'use index or ask (gpt-lab rag --help)');
  return 2;
}
