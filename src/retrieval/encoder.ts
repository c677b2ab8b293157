// Lesson 7 of retrieval: training the dense encoder, InfoNCE on (question, fact) pairs.
//
// The untrained baseline (embed.ts) averages hidden states that were trained to predict the next
// token, not to put a question near its answer. Here the same GPT is fine-tuned so they are: each
// step draws B distinct facts of the TRAINING entities (the public ones; never a held-out entity,
// whose questions the notebook scores), asks each in one of its two wordings (the world's literal
// question or the paraphrase of questions.ts), embeds both sides by mean pooling and minimizes
// infoNCE (contrastive.ts): each question must pick its fact among the B facts of the batch.
//
//   const run = await trainEncoderStage(base, world, ragSettings('workshop').encoder, save, { from });
//   embedTexts(run.model, encode, texts) → embeddings where a question's nearest fact is its answer
//
// Batch s is a function of (seed, s). The start is the base model's weights (one tower for questions
// and facts, as in a bi-encoder with shared weights). Left out: hard negatives, a projection head,
// and separate question and passage towers.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { Rng, hashSeed } from '../data/rng';
import { factsOf } from '../data/world/facts';
import { World, entities } from '../data/world/world';
import { GPT } from '../model';
import { ChatModel } from '../sample/chat';
import { AdamW, DEFAULT_ADAMW } from '../train/adamw';
import { CheckpointState, checkpointState, saveCheckpoint } from '../train/checkpoint';
import { learningRate } from '../train/schedule';
import { optimizerStep } from '../train/step';
import { StageSave, TrainedModel } from '../train/world';
import { factId } from './chunk';
import { infoNCE } from './contrastive';
import { meanPooled } from './embed';
import { paraphrase } from './questions';
import { EncoderSettings } from './settings';
import { EncoderInfo, weightsFingerprint } from './vector-index';

/** A fact of a training entity, with its two questions. */
export interface EncoderPair {
  /** 'person-3/job'. */
  factId: string;
  /** The fact's sentence: the positive. */
  fact: string;
  /** [literal, paraphrased]. */
  questions: [string, string];
}

/**
 * The facts of the training (public) entities, each with its literal and paraphrased question.
 *
 *   encoderPairs(makeWorld())[0] → { factId: 'town-0/region', fact: 'Dusem is in the north.',
 *                                    questions: ['Where is Dusem?', 'Which compass direction locates Dusem?'] }
 */
export function encoderPairs(world: World): EncoderPair[] {
  return entities(world).filter((e) => !e.heldOut).flatMap((e) => factsOf(world, e).map((f) => ({
    factId: factId(f), fact: f.sentence, questions: [f.question, paraphrase(world, f)] as [string, string],
  })));
}

/**
 * Batch `step`: B distinct facts and one of their questions each, drawn from (seed, step) alone.
 * Distinct facts matter: a fact twice in a batch would be its own question's negative.
 *
 *   encoderBatch(pairs, 4, 8, 0) → { questions: [4 questions], facts: [their 4 facts], ids: [4 distinct fact ids] }
 */
export function encoderBatch(pairs: readonly EncoderPair[], B: number, seed: number,
  step: number): { questions: string[]; facts: string[]; ids: string[] } {
  assert(Number.isInteger(B) && B >= 2 && B <= pairs.length,
    () => `encoder batch size ${B} must be in 2..${pairs.length} (the training facts)`);
  const rng = new Rng(hashSeed(seed, 0xe4c0, step));
  const chosen = rng.shuffle([...pairs]).slice(0, B);
  return {
    questions: chosen.map((p) => p.questions[rng.int(0, 2)]),
    facts: chosen.map((p) => p.fact),
    ids: chosen.map((p) => p.factId),
  };
}

/**
 * Token ids of texts padded at the end to the longest (each cut to maxLen), and their lengths.
 *
 *   padTexts((s) => [...s].map((c) => c.charCodeAt(0)), ['ab', 'c'], 8, 0)
 *     → { ids: [97, 98, 99, 0], T: 2, lengths: [2, 1] }
 */
export function padTexts(encode: (text: string) => number[], texts: readonly string[], maxLen: number,
  padId = 0): { ids: Int32Array; T: number; lengths: number[] } {
  const rows = texts.map((t, i) => {
    const r = encode(t).slice(0, maxLen);
    assert(r.length > 0, () => `padTexts: text ${i} ('${t}') encodes to no tokens`);
    return r;
  });
  const T = Math.max(...rows.map((r) => r.length));
  const ids = Int32Array.from(rows.flatMap((r) => [...r, ...new Array<number>(T - r.length).fill(padId)]));
  return { ids, T, lengths: rows.map((r) => r.length) };
}

/** The contrastive loss of one batch through `model` (call inside a gradient function or tf.tidy). */
export function encoderLoss(
  model: GPT, tok: ChatTokenizer, batch: { questions: string[]; facts: string[] }, temperature: number,
): tf.Scalar {
  const embed = (texts: string[]) => {
    const p = padTexts((s) => tok.encode(s), texts, model.config.blockSize);
    return meanPooled(model, tf.tensor2d(p.ids, [texts.length, p.T], 'int32'), p.lengths); // [B, C]
  };
  return infoNCE(embed(batch.questions), embed(batch.facts), { temperature });
}

/** One logged step of the encoder's training. */
export interface EncoderStepInfo {
  step: number;
  loss: number;
  /** The loss of a batch of random embeddings: ln B (chance). */
  chance: number;
}

/** What encoder.extra records in a finished checkpoint. */
export interface EncoderExtra {
  done: boolean;
  /** The checkpoint it started from. */
  from: string;
  seconds: number;
  /** Training facts it drew its batches from. */
  facts: number;
  /** The loss every few steps. */
  losses: { step: number; loss: number }[];
}

/**
 * Trains `start.model` in place as a contrastive encoder and saves it once into save.dir (stage
 * 'encoder', the tokenizer's file inside). The caller owns the returned model.
 */
export async function trainEncoderStage(start: ChatModel, world: World, s: EncoderSettings, save: StageSave,
  opts: { from: string; onStep?: (info: EncoderStepInfo) => void; logEvery?: number }): Promise<TrainedModel> {
  assert(Number.isInteger(s.steps) && s.steps >= 1, () => `encoder steps ${s.steps} must be a positive integer`);
  assert(s.temperature > 0, () => `encoder temperature ${s.temperature} must be positive`);
  const { model, tok } = start;
  const pairs = encoderPairs(world);
  const optimizer = new AdamW(model.params.byName, DEFAULT_ADAMW);
  const schedule = {
    maxLr: s.lr, minLr: s.lr / 10, warmupSteps: Math.max(1, Math.round(s.steps / 10)), decaySteps: s.steps,
  };
  const logEvery = opts.logEvery ?? Math.max(1, Math.round(s.steps / 30));
  const losses: { step: number; loss: number }[] = [];
  const started = performance.now();
  for (let step = 0; step < s.steps; step++) {
    const batch = encoderBatch(pairs, s.batchSize, s.seed, step);
    const { loss, gradNorm } = optimizerStep(model.params.byName, optimizer,
      [() => encoderLoss(model, tok, batch, s.temperature)], { lr: learningRate(step, schedule), gradClip: 1 });
    if (step % logEvery === 0 || step === s.steps - 1) {
      const value = loss.dataSync()[0];
      assert(Number.isFinite(value),
        () => `encoder training: loss ${value} at step ${step}; lower the learning rate (${s.lr})`);
      losses.push({ step: step + 1, loss: value });
      opts.onStep?.({ step: step + 1, loss: value, chance: Math.log(s.batchSize) });
      await new Promise((r) => setImmediate(r)); // let a notebook draw
    }
    tf.dispose([loss, gradNorm]);
  }
  optimizer.dispose();
  const extra: EncoderExtra = {
    done: true, from: opts.from, seconds: (performance.now() - started) / 1000, facts: pairs.length, losses,
  };
  const fields = {
    ...save.record, step: s.steps, config: model.config, seed: s.seed, train: s, stage: 'encoder' as const,
    extra: extra as unknown as Record<string, unknown>, metrics: { trainLoss: losses[losses.length - 1].loss },
  };
  saveCheckpoint(save.dir, fields, model);
  return { model, state: checkpointState(fields) as CheckpointState };
}

/**
 * The encoder's identity for a vector index: 'contrastive <name>' and a fingerprint of its weights.
 *
 *   contrastiveEncoder(encoder, 'runs/full/encoder') → { name: 'contrastive runs/full/encoder', fingerprint: '…' }
 */
export function contrastiveEncoder(model: GPT, name: string): EncoderInfo {
  return { name: `contrastive ${name}`, fingerprint: weightsFingerprint(model.variables()) };
}
