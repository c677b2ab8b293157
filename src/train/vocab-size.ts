// Choosing the chat tokenizer's vocabulary size by measurement.
//
// A bigger vocabulary packs more text into each token (bytes per token up), so a 256-token context
// holds more of a conversation, and a training step sees more text. But every token costs more: the
// embedding table and the output layer grow with the vocabulary (more FLOPs per token), and rare
// tokens are seen too seldom to learn. Which wins is an empirical question, so this file asks it the
// fair way: for each size, train the same model shape on the same world documents with the SAME
// TRAINING FLOPs (a bigger vocabulary gets fewer steps), and compare the held-out loss in bits per
// byte (bits-per-byte.ts), since a loss per token is not comparable across tokenizers.
//
//   const rows = await measureChatVocab(vocabSweepSettings('ci'));
//   rows → [{ tokenizer: 'char', vocabSize: 107, bytesPerToken: 1, steps: 33, bitsPerByte: 4.99, ... }, ...]
//
// Left out: several seeds per size (the notebook states how much one seed moves), and the size of
// the world's vocabulary itself: the world's text runs out of pairs near 900 tokens.

import { charTokenizer, ChatTokenizer } from '../data/char-tokenizer';
import { packDocuments, splitStream } from '../data/stream';
import { CorpusConfig, corpusTexts, pretrainingCorpus } from '../data/world/documents';
import { makeWorld, World } from '../data/world/world';
import { flopsPerToken, GPT, GPTConfig, makeConfig, paramCount } from '../model';
import { Profile } from '../profile';
import { ChatBpeTokenizer, trainChatTokenizer, worldTokenizerTexts } from '../tokenizer/chat';
import { assert } from '../util/assert';
import { bitsPerByte, streamBytes } from './bits-per-byte';
import { makeTrainConfig, Trainer, TrainData } from './trainer';

/** What a vocabulary sweep trains. */
export interface VocabSweepSettings {
  /** Vocabulary sizes asked of trainChatTokenizer; one above ~900 gets every merge the world offers. */
  sizes: number[];
  /** Add a row for the char-level chat tokenizer (src/data/char-tokenizer.ts). */
  char: boolean;
  /** The model shape, the same for every size (vocabSize aside). */
  model: Pick<GPTConfig, 'nLayer' | 'nHead' | 'nEmbd' | 'blockSize'>;
  batchSize: number;
  /** The compute budget: the training FLOPs of this many steps at `referenceSize`. */
  referenceSteps: number;
  referenceSize: number;
  /** The world documents the models train on (another seed than the tokenizer's texts). */
  corpus: Partial<CorpusConfig>;
  /** Validation batches per measurement. */
  evalIters: number;
  /** Seeds the model init and the batches. */
  seed: number;
}

const SWEEP: Record<Profile, VocabSweepSettings> = {
  ci: {
    sizes: [384, 512], char: true, model: { nLayer: 1, nHead: 2, nEmbd: 32, blockSize: 64 }, batchSize: 8,
    referenceSteps: 20, referenceSize: 512, corpus: { size: 600, seed: 7, arithmetic: 0.35, arithmeticDigits: 3 },
    evalIters: 4, seed: 1,
  },
  full: {
    sizes: [384, 512, 640, 864], char: true, model: { nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 128 }, batchSize: 8,
    referenceSteps: 300, referenceSize: 512, corpus: { size: 3000, seed: 7, arithmetic: 0.35, arithmeticDigits: 3 },
    evalIters: 20, seed: 1,
  },
  workshop: { // full's models and corpus, a third of its budget, three sizes
    sizes: [384, 512, 864], char: true, model: { nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 128 }, batchSize: 8,
    referenceSteps: 100, referenceSize: 512, corpus: { size: 3000, seed: 7, arithmetic: 0.35, arithmeticDigits: 3 },
    evalIters: 20, seed: 1,
  },
};

/** The sweep's settings: 'ci' runs in seconds, 'workshop' in under a minute, 'full' is the table the prose quotes. */
export function vocabSweepSettings(prof: Profile): VocabSweepSettings {
  return SWEEP[prof];
}

/** One row of the sweep. */
export interface VocabSweepRow {
  /** 'char' or 'bpe'. */
  tokenizer: 'char' | 'bpe';
  /** The model's vocabulary (256 bytes + merges + specials for a BPE). */
  vocabSize: number;
  /** Held-out bytes per token (<|endoftext|> counts one byte). */
  bytesPerToken: number;
  parameters: number;
  /** Training FLOPs per token (6N + attention, src/model/config.ts). */
  flopsPerToken: number;
  /** Steps the budget buys at this size. */
  steps: number;
  /** Training FLOPs spent: steps × batch × block × FLOPs per token. */
  trainFlops: number;
  /** Held-out loss in nats per token. */
  valLoss: number;
  /** Held-out bits per byte: what the sizes are compared by. */
  bitsPerByte: number;
  seconds: number;
}

/**
 * The world documents as ids of a tokenizer, split 90/10, and the bytes per token of the held-out part.
 *
 *   worldData(world, charTokenizer(), { size: 100 }).bytesPerToken → 1
 */
export function worldData(world: World, tok: ChatTokenizer, corpus: Partial<CorpusConfig>):
  { data: TrainData; valTokens: number; valBytes: number; bytesPerToken: number } {
  const eot = tok.special('<|endoftext|>');
  const stream = packDocuments(corpusTexts(pretrainingCorpus(world, corpus)), tok.encode,
    { eotId: eot, vocabSize: tok.vocabSize });
  const data = splitStream(stream, 0.9);
  const bytesOf = (id: number) => (tok.isSpecial(id) ? 1 : byteLength(tok, id));
  const valBytes = streamBytes(data.val.tokens, bytesOf);
  const valTokens = data.val.tokens.length;
  return { data, valTokens, valBytes, bytesPerToken: valBytes / valTokens };
}

/** The bytes token `id` stands for: its BPE bytes, or the UTF-8 of its character. */
function byteLength(tok: ChatTokenizer, id: number): number {
  const bpe = (tok as Partial<ChatBpeTokenizer>).bpe;
  return bpe !== undefined ? bpe.tokenBytes(id).length : Buffer.byteLength(tok.decode([id]), 'utf8');
}

/**
 * Trains one model per vocabulary size with the same training FLOPs and measures its held-out bits
 * per byte. `onRow` sees each row as it is measured (a notebook draws the table as it grows).
 */
export async function measureChatVocab(s: VocabSweepSettings, onRow?: (row: VocabSweepRow) => void,
  world: World = makeWorld()): Promise<VocabSweepRow[]> {
  assert(s.sizes.length > 0 || s.char, () => 'measureChatVocab: no sizes and no char row; give at least one size');
  const texts = worldTokenizerTexts(world);
  const configOf = (vocabSize: number) =>
    makeConfig('tiny', { ...s.model, vocabSize, seed: s.seed, dropout: 0, bias: false });
  const tokensPerStep = s.batchSize * s.model.blockSize;
  const budget = flopsPerToken(configOf(s.referenceSize)).train * tokensPerStep * s.referenceSteps;
  const tokenizers: [VocabSweepRow['tokenizer'], ChatTokenizer][] = [
    ...(s.char ? [['char', charTokenizer()] as [VocabSweepRow['tokenizer'], ChatTokenizer]] : []),
    ...s.sizes.map((v) => ['bpe', trainChatTokenizer(texts, v)] as [VocabSweepRow['tokenizer'], ChatTokenizer]),
  ];
  const rows: VocabSweepRow[] = [];
  for (const [kind, tok] of tokenizers) {
    const start = performance.now();
    const { data, valTokens, valBytes, bytesPerToken } = worldData(world, tok, s.corpus);
    const config = configOf(tok.vocabSize);
    const perToken = flopsPerToken(config).train;
    const steps = Math.max(1, Math.round(budget / (perToken * tokensPerStep)));
    const model = new GPT(config);
    const trainer = new Trainer(model, data, makeTrainConfig({
      batchSize: s.batchSize, maxSteps: steps, evalEvery: 0, evalIters: s.evalIters, logEvery: steps, seed: s.seed,
      schedule: { maxLr: 3e-3, minLr: 3e-4, warmupSteps: Math.max(1, Math.round(steps / 20)), decaySteps: steps },
    }));
    try {
      const { valLoss } = await trainer.run({ yieldEvery: 10 });
      const row: VocabSweepRow = {
        tokenizer: kind, vocabSize: tok.vocabSize, bytesPerToken, parameters: paramCount(config).total,
        flopsPerToken: perToken, steps,
        trainFlops: steps * tokensPerStep * perToken, valLoss, bitsPerByte: bitsPerByte(valLoss, valTokens, valBytes),
        seconds: (performance.now() - start) / 1000,
      };
      rows.push(row);
      onRow?.(row);
    } finally {
      model.dispose();
      trainer.optimizer.dispose();
    }
  }
  return rows;
}
