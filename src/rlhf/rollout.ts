// RLHF, step 1: rollouts. The policy answers a batch of prompts by sampling (temperature 1, so it
// explores), and we keep, for every sampled reply token, its log-probability under the policy that
// sampled it ("old") and under the frozen reference model (the SFT model). Everything RLHF and DPO
// compute later is built from these per-token log-probabilities.
//
//   const rollout = sampleRollouts(policy, prompts, { maxTokens: 40, seed: 1, stopId: chat.assistantEnd });
//   rollout.replies[0] → [86, 74, 2, ..., 102]   (ends with <|assistant_end|> when the model stopped)
//
// Sampling is SFT's batched decoder (src/sft/generate.ts: every row at its own positions, no padding).
// Log-probabilities are then recomputed with one full forward pass over prompt + reply (right-padded:
// causal attention never looks right, so padding after a row's end cannot change its tokens).
// Left out: top-k/top-p during rollouts (they would make the sampled distribution differ from π).

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { padForNextToken, ShiftedBatch } from '../data/padding';
import { GPT } from '../model';
import { continueBatch } from '../sample/chat';

/** How replies are sampled. */
export interface SampleOptions {
  /** Most reply tokens per row (the stop token included). */
  maxTokens: number;
  /** The token that ends a reply (<|assistant_end|>); it is kept in the reply, and nothing after it. */
  stopId: number;
  /** Seeds the draws: row b draws from Rng(hashSeed(seed, b)). */
  seed: number;
  /** Softmax temperature; 1 (the default) samples from the policy itself, which RL needs. */
  temperature?: number;
}

/** Sampled replies: token ids per row, the stop token included when the model reached it. */
export interface Sampled {
  replies: number[][];
  /** Whether each row ended with stopId (false: cut at maxTokens). */
  finished: boolean[];
}

/**
 * Samples one reply per prompt (prompt ids end with <|assistant_start|>), in one batch with a KV
 * cache (src/sft/generate.ts's continueBatch). Row b's draws come from its own Rng(hashSeed(seed, b)),
 * so a row's reply does not depend on which other rows share its batch.
 *
 *   sampleReplies(model, [renderPrompt(q, chat)], { maxTokens: 40, stopId: chat.assistantEnd, seed: 1 })
 *     → { replies: [[...ids, chat.assistantEnd]], finished: [true] }
 */
export function sampleReplies(model: GPT, prompts: readonly number[][], opts: SampleOptions): Sampled {
  assert(prompts.length > 0, () => 'sampleReplies: no prompts given');
  assert(Number.isSafeInteger(opts.maxTokens) && opts.maxTokens >= 1,
    () => `maxTokens (${opts.maxTokens}) must be a positive integer`);
  const T = model.config.blockSize;
  prompts.forEach((p, i) => {
    assert(p.length >= 1, () => `prompt ${i} is empty`);
    assert(p.length + opts.maxTokens <= T,
      () => `prompt ${i} has ${p.length} tokens; with maxTokens ${opts.maxTokens} that exceeds blockSize ${T}: ` +
        'lower maxTokens or use shorter prompts');
  });
  // SFT's batched decoder: each row at its own positions, its own Rng(hashSeed(seed, row)), one KV cache.
  const out = continueBatch(model, prompts,
    { stop: [opts.stopId], maxTokens: opts.maxTokens, seed: opts.seed, temperature: opts.temperature ?? 1 });
  return { replies: out.map((o) => o.ids), finished: out.map((o) => o.stopped) };
}

/**
 * Prompt + reply of each row as a next-token batch whose loss mask is 1 exactly on the reply tokens
 * (their targets), right-padded with pad id 0.
 *
 *   replyBatch([[1, 2]], [[7, 8]]) → x [[1, 2, 7]], y [[2, 7, 8]], lossMask [[0, 1, 1]]
 */
export function replyBatch(prompts: readonly number[][], replies: readonly number[][]): ShiftedBatch {
  assert(prompts.length === replies.length,
    () => `replyBatch: ${prompts.length} prompts but ${replies.length} replies`);
  const seqs = prompts.map((p, b) => {
    assert(replies[b].length > 0, () => `replyBatch: reply ${b} is empty; every reply needs at least one token`);
    return { ids: [...p, ...replies[b]], mask: [...p.map(() => 0), ...replies[b].map(() => 1)] };
  });
  return padForNextToken(seqs, { padId: 0, side: 'right' });
}

/** The int32 inputs, targets and the float mask of a batch as tensors (the caller disposes them). */
export function batchTensors(batch: ShiftedBatch): { x: tf.Tensor2D; y: tf.Tensor2D; mask: tf.Tensor2D } {
  return {
    x: tf.tensor2d(batch.x, batch.shape, 'int32'),
    y: tf.tensor2d(batch.y, batch.shape, 'int32'),
    mask: tf.tensor2d(Float32Array.from(batch.lossMask), batch.shape, 'float32'),
  };
}

/**
 * log π(y_t | x_≤t) of every target, [B, T]: log-softmax and a one-hot product (no gather, whose
 * gradient the wasm backend lacks). Differentiable; call inside tf.tidy or variableGrads.
 *
 *   tokenLogProbs(uniform model, x, y) → every entry -ln(vocabSize)
 */
export function tokenLogProbs(model: GPT, x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const logits = model.head(model.hidden(x).h); // [B, T, V]
  const logp = tf.logSoftmax(logits, -1); // [B, T, V]
  return tf.sum(tf.mul(logp, tf.oneHot(y, model.config.vocabSize)), -1) as tf.Tensor2D; // [B, T]
}

/**
 * Per-token log-probs of a batch under a model, masked (0 off the reply), as host rows [B][T]. No grad.
 */
export function tokenLogProbsHost(model: GPT, batch: ShiftedBatch): Float32Array {
  return tf.tidy(() => {
    const { x, y, mask } = batchTensors(batch);
    return tf.mul(tokenLogProbs(model, x, y), mask).dataSync() as Float32Array; // [B*T]
  });
}

/** A batch of sampled replies with everything the RL losses need, on the host. */
export interface Rollout {
  prompts: number[][];
  replies: number[][];
  finished: boolean[];
  /** Prompt + reply as inputs/targets, mask on reply tokens. */
  batch: ShiftedBatch;
  /** [B*T]: log π_old of each target (0 off the mask). */
  oldLogp: Float32Array;
  /** [B*T]: log π_ref of each target (0 off the mask). */
  refLogp: Float32Array;
}

/**
 * Samples replies from the policy and scores their tokens under the policy and the reference.
 *
 *   makeRollout(policy, sft, prompts, { maxTokens: 40, stopId, seed }) → { replies, oldLogp, refLogp, batch, ... }
 */
export function makeRollout(policy: GPT, reference: GPT, prompts: readonly number[][], opts: SampleOptions): Rollout {
  const { replies, finished } = sampleReplies(policy, prompts, opts);
  const batch = replyBatch(prompts, replies);
  return {
    prompts: prompts.map((p) => [...p]), replies, finished, batch,
    oldLogp: tokenLogProbsHost(policy, batch),
    refLogp: tokenLogProbsHost(reference, batch),
  };
}

/**
 * Sums per-token values [B*T] over each row's mask: the sequence total of each row, [B].
 *
 *   rowSums([1, 2, 3, 4], [1, 1, 0, 1], [2, 2]) → [3, 4]
 */
export function rowSums(values: ArrayLike<number>, mask: ArrayLike<number>, shape: [number, number]): number[] {
  const [B, T] = shape;
  return Array.from({ length: B }, (_, b) => {
    let s = 0;
    for (let t = 0; t < T; t++) s += mask[b * T + t] * values[b * T + t];
    return s;
  });
}
