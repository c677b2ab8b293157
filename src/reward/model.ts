// Lesson 1 of the reward model: a GPT that outputs one number.
//
// In "State of GPT" the reward model is the SFT model with its language-model head swapped for a
// scalar: each completion is followed by one special token (the talk's green token, here
// <|reward|>), and the transformer's hidden state at that token, times a learned vector, is the
// reward. Because the GPT is causal, the hidden state at <|reward|> has read the whole prompt and
// reply and nothing after it, so padding to the right of it cannot change the reward.
//
//   const rm = RewardModel.fromTrunk(sftModel);             // copies the SFT weights, adds the head
//   rm.score([prompt], ['Sure! 5+7=12.'])                   → [1.83]
//
// Left out: training (train.ts), checkpoints and the stage (stage.ts), reward normalization.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { Rng, hashSeed, hashString } from '../data/rng';
import { assistant, ChatTokens, Conversation, renderConversation, say } from '../data/conversation';
import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { padSequences } from '../data/padding';
import { DropoutContext, GPT, groupParams, matMul2d, normalArray } from '../model';

/** The special token the reward is read at. */
export const REWARD_TOKEN = '<|reward|>';

/** Checkpoint names of the head's weights, beside the GPT's own. */
export const HEAD_WEIGHT = 'reward.head.weight';
export const HEAD_BIAS = 'reward.head.bias';

/** The chat tokens plus the id of <|reward|>: everything needed to render a reward sequence. */
export interface RewardTokens extends ChatTokens {
  reward: number;
}

/**
 * The reward tokens of a chat tokenizer (one with CHAT_SPECIALS).
 *
 *   rewardTokens(charTokenizer()).reward → 106;  rewardTokens(sft.tok) for the BPE chat tokenizer
 */
export function rewardTokens(tok: ChatTokenizer): RewardTokens {
  return { ...chatTokens(tok), reward: tok.special(REWARD_TOKEN) };
}

/**
 * The ids the reward model reads: the prompt, the reply as the assistant's turn, then <|reward|>.
 *
 *   rewardSequence(chat, { messages: [user('hi')] }, 'yo')
 *     → [bos, user_start, 'h', 'i', user_end, assistant_start, 'y', 'o', assistant_end, <|reward|>]
 */
export function rewardSequence(chat: RewardTokens, prompt: Conversation, reply: string): number[] {
  const { ids } = renderConversation({ messages: [...prompt.messages, assistant(say(reply))] }, chat);
  return [...ids, chat.reward];
}

/**
 * A sequence cut to the model's context: the last blockSize ids, so <|reward|> stays last and the
 * start of the prompt is what is lost (the reply matters more than the question's first words).
 *
 *   fitToBlock([1, 2, 3, 4, 5], 3) → [3, 4, 5];  fitToBlock([1, 2], 3) → [1, 2]
 */
export function fitToBlock(ids: readonly number[], blockSize: number): number[] {
  return ids.length <= blockSize ? [...ids] : ids.slice(ids.length - blockSize);
}

/** Sequences as a right-padded batch and the column of each one's last token (its <|reward|>). */
export interface ReadBatch {
  /** [B, T]. */
  ids: Int32Array;
  /** [B]: where the reward is read. */
  readIndex: Int32Array;
  shape: [number, number];
}

/**
 * Pads reward sequences on the right (fitted to blockSize first); the reward is read at each row's
 * last real token.
 *
 *   readBatch([[5, 6, 106], [7, 106]], 0, 64) → ids [5, 6, 106,  7, 106, 0], readIndex [2, 1]
 */
export function readBatch(seqs: readonly (readonly number[])[], padId: number, blockSize: number): ReadBatch {
  const padded = padSequences(seqs.map((s) => ({ ids: fitToBlock(s, blockSize) })), { padId, side: 'right' });
  return { ids: padded.ids, readIndex: padded.lastIndex, shape: padded.shape };
}

/**
 * The rows of h [B, T, C] at one column each, readIndex [B]: out[b] = h[b, readIndex[b]].
 * subtle: a one-hot product, not tf.gather: gather's gradient needs a scatter kernel that some
 * backends lack, and this is just as exact (every other column is multiplied by zero).
 *
 *   readAt(h [2, 3, C], [2, 0]) → [h[0, 2], h[1, 0]]  [2, C]
 */
export function readAt(h: tf.Tensor3D, readIndex: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const [, T] = h.shape;
    const pick = tf.expandDims(tf.oneHot(readIndex, T), 2); // [B, T, 1]
    return tf.sum(tf.mul(h, pick), 1) as tf.Tensor2D; // [B, C]
  });
}

/** A copy of a GPT with fresh variables holding the same values (the original stays usable). */
function cloneGPT(model: GPT): GPT {
  const byName = new Map<string, tf.Variable>();
  for (const [name, v] of model.params.byName) byName.set(name, tf.variable(v, true));
  return new GPT(model.config, groupParams(model.config, byName));
}

export class RewardModel {
  /**
   * @param trunk the transformer the reward reads (owned: dispose() frees it)
   * @param headW [C, 1] the scalar head's weight
   * @param headB [1] its bias
   */
  constructor(readonly trunk: GPT, readonly headW: tf.Variable, readonly headB: tf.Variable) {
    const C = trunk.config.nEmbd;
    assert(headW.shape.length === 2 && headW.shape[0] === C && headW.shape[1] === 1,
      () => `reward head weight has shape [${headW.shape}], the trunk (nEmbd ${C}) needs [${C}, 1]`);
    assert(headB.shape.length === 1 && headB.shape[0] === 1,
      () => `reward head bias has shape [${headB.shape}], expected [1]`);
  }

  /**
   * A reward model on a copy of `trunk`'s weights, with a new head: weight normal(0, 0.02) seeded by
   * `seed`, bias 0, so every reward starts near 0.
   */
  static fromTrunk(trunk: GPT, seed = 1337): RewardModel {
    const C = trunk.config.nEmbd;
    const w = normalArray(C, 0.02, new Rng(hashSeed(seed, hashString(HEAD_WEIGHT))));
    // subtle: tf.variable keeps its own reference; tidy frees the tensors it was made from.
    const [headW, headB] = tf.tidy(() => [tf.variable(tf.tensor2d(w, [C, 1]), true), tf.variable(tf.zeros([1]), true)]);
    return new RewardModel(cloneGPT(trunk), headW, headB);
  }

  /** The longest sequence the trunk reads. */
  get blockSize(): number {
    return this.trunk.config.blockSize;
  }

  /**
   * Rewards of int32 ids [B, T], each read at its row's readIndex [B]; differentiable, not tidied
   * (callers wrap it).
   *
   *   rm.rewards(ids [4, 52], readIndex [4]) → [4]
   */
  rewards(ids: tf.Tensor2D, readIndex: tf.Tensor1D, dropout?: DropoutContext): tf.Tensor1D {
    assert(readIndex.shape[0] === ids.shape[0],
      () => `rewards: readIndex has ${readIndex.shape[0]} entries for ${ids.shape[0]} rows of ids`);
    const { h } = this.trunk.hidden(ids, { dropout }); // [B, T, C]
    const at = readAt(h, readIndex); // [B, C]
    return tf.reshape(
      tf.add(matMul2d(at, this.headW as tf.Tensor2D), this.headB), [ids.shape[0]]) as tf.Tensor1D; // [B]
  }

  /** Rewards of a padded batch, as a [B] tensor (the caller disposes it). */
  rewardsOf(batch: ReadBatch, dropout?: DropoutContext): tf.Tensor1D {
    return tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, batch.shape, 'int32'); // [B, T]
      const readIndex = tf.tensor1d(batch.readIndex, 'int32'); // [B]
      return this.rewards(ids, readIndex, dropout);
    });
  }

  /**
   * The rewards of token sequences (each ending in <|reward|>), `batchSize` at a time; no gradient,
   * nothing left on the device.
   */
  scoreSequences(seqs: readonly (readonly number[])[], batchSize = 32, padId = 0): number[] {
    const out: number[] = [];
    for (let i = 0; i < seqs.length; i += batchSize) {
      const r = this.rewardsOf(readBatch(seqs.slice(i, i + batchSize), padId, this.blockSize));
      out.push(...r.dataSync());
      r.dispose();
    }
    return out;
  }

  /**
   * The reward of each reply to its prompt, batched.
   *
   *   rm.score([promptFor(ex), promptFor(ex)], ['Sure! 5+7=12.', 'Obviously, 5+7=13.'], rewardTokens(tok))
   *     → [1.9, -2.2]
   */
  score(prompts: readonly Conversation[], replies: readonly string[], chat: RewardTokens, batchSize = 32): number[] {
    assert(prompts.length === replies.length,
      () => `score: ${prompts.length} prompts but ${replies.length} replies; pass one reply per prompt`);
    return this.scoreSequences(prompts.map((p, i) => rewardSequence(chat, p, replies[i])), batchSize);
  }

  /** The head's weights by checkpoint name (saveCheckpoint's extraWeights). */
  headWeights(): Map<string, tf.Variable> {
    return new Map([[HEAD_WEIGHT, this.headW], [HEAD_BIAS, this.headB]]);
  }

  /** Everything trained: the trunk's variables, then the head's. */
  variables(): tf.Variable[] {
    return [...this.trunk.variables(), this.headW, this.headB];
  }

  /** Every trained variable by name (trunk names, then reward.head.*), for AdamW. */
  namedVariables(): Map<string, tf.Variable> {
    return new Map([...this.trunk.params.byName, ...this.headWeights()]);
  }

  /** Frees the trunk and the head. */
  dispose(): void {
    this.trunk.dispose();
    this.headW.dispose();
    this.headB.dispose();
  }
}
