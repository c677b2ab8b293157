// DPO (Direct Preference Optimization, Rafailov et al. 2023): RLHF without a reward model or sampling.
//
// The RLHF objective (maximize reward, minus β·KL to the reference) has a closed-form optimum,
// π*(y|x) ∝ π_ref(y|x)·exp(r(x,y)/β). Turned around, every policy defines an implicit reward
// r̂(x,y) = β·log(π(y|x)/π_ref(y|x)), and fitting that reward to the preference pairs with the
// reward model's own Bradley-Terry loss trains the policy directly:
//
//   loss = -log σ( β·[(log π(y_w) - log π_ref(y_w)) - (log π(y_l) - log π_ref(y_l))] )
//
// where y_w is the preferred ("winning") reply and y_l the other, and log π(y) is the sum of the
// reply tokens' log-probabilities. Same comparison data as the reward model, one supervised loss.
//
// Left out: IPO/KTO variants, label smoothing (conservative DPO), and packing several pairs per row.

import * as tf from '@tensorflow/tfjs';
import { assert } from '../util/assert';
import { ChatTokens, Conversation, renderConversation } from '../data/conversation';
import { PreferenceExample } from '../data/world/labeler';
import { hashSeed, Rng } from '../data/rng';
import { GPT } from '../model';
import { AdamW, DEFAULT_ADAMW, optimizerStep } from '../train';
import { batchTensors, replyBatch, tokenLogProbs } from './rollout';

/** The DPO loss and its diagnostics (all scalars; the caller disposes them). */
export interface DpoLoss {
  /** Mean of -log σ(β·margin). */
  loss: tf.Scalar;
  /** Mean implicit reward β·(log π - log π_ref) of the chosen replies. */
  chosenReward: tf.Scalar;
  /** The same for the rejected replies. */
  rejectedReward: tf.Scalar;
  /** Fraction of pairs whose chosen implicit reward is higher. */
  accuracy: tf.Scalar;
}

/**
 * DPO's loss from sequence log-probs [B] of the chosen (w) and rejected (l) replies under the policy
 * and the reference.
 *
 *   dpoLoss([-1], [-2], [-1.5], [-1.5], 0.5): margin = (-1 + 1.5) - (-2 + 1.5) = 1, loss = -log σ(0.5) ≈ 0.4741
 */
export function dpoLoss(policyChosen: tf.Tensor1D, policyRejected: tf.Tensor1D, refChosen: tf.Tensor1D,
  refRejected: tf.Tensor1D, beta: number): DpoLoss {
  assert(beta > 0, () => `DPO beta (${beta}) must be > 0; 0.1 is the paper's usual value`);
  return tf.tidy(() => {
    const chosen = tf.mul(tf.sub(policyChosen, refChosen), beta); // [B]
    const rejected = tf.mul(tf.sub(policyRejected, refRejected), beta); // [B]
    const z = tf.sub(chosen, rejected); // [B]
    // subtle: -log σ(z) = softplus(-z), which stays finite for very negative z.
    const loss = tf.mean(tf.softplus(tf.neg(z))) as tf.Scalar;
    return {
      loss,
      chosenReward: tf.mean(chosen) as tf.Scalar,
      rejectedReward: tf.mean(rejected) as tf.Scalar,
      accuracy: tf.mean(tf.cast(tf.greater(z, 0), 'float32')) as tf.Scalar,
    };
  });
}

/**
 * The ids a model is given to answer a prompt conversation (ending in a user message): the rendered
 * conversation, then <|assistant_start|>.
 *
 *   promptIds({ messages: [user('hi')] }, chat) → [bos, userStart, 'h', 'i', userEnd, assistantStart]
 */
export function promptIds(prompt: Conversation, chat: ChatTokens): number[] {
  return [...renderConversation(prompt, chat).ids, chat.assistantStart];
}

/**
 * A reply's ids: its text, then <|assistant_end|>, cut so prompt + reply fits in blockSize + 1 tokens
 * (the model reads all but the last). A cut reply loses its end token: DPO then compares the prefixes.
 *
 *   replyIds('yo', chat, 6, 8) → ['y', 'o', assistantEnd];  replyIds('yo', chat, 6, 6) → ['y']
 */
export function replyIds(text: string, chat: ChatTokens, promptLength: number, blockSize: number): number[] {
  const ids = [...chat.encode(text), chat.assistantEnd];
  const room = blockSize + 1 - promptLength;
  assert(room >= 1, () => `a prompt of ${promptLength} tokens leaves no room for a reply in blockSize ${blockSize}`);
  return ids.slice(0, room);
}

/** One preference pair as token ids. */
export interface PairIds {
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

/**
 * A preference example as ids: chosen = the labeler's preferred reply.
 *
 *   pairIds(preferenceTask(world).example(0), chat, 128) → { prompt, chosen: ids of replies[preferred], rejected }
 */
export function pairIds(ex: PreferenceExample, chat: ChatTokens, blockSize: number): PairIds {
  const prompt = promptIds(ex.prompt, chat);
  const [w, l] = ex.preferred === 0 ? ex.replies : [ex.replies[1], ex.replies[0]];
  return {
    prompt, chosen: replyIds(w, chat, prompt.length, blockSize), rejected: replyIds(l, chat, prompt.length, blockSize),
  };
}

/**
 * Sequence log-probs log π(reply | prompt) of each row, [B]: the sum over the reply's tokens.
 * Differentiable; call inside tf.tidy or variableGrads.
 */
export function sequenceLogProbs(model: GPT, prompts: readonly number[][], replies: readonly number[][]): tf.Tensor1D {
  return tf.tidy(() => {
    const { x, y, mask } = batchTensors(replyBatch(prompts, replies));
    return tf.sum(tf.mul(tokenLogProbs(model, x, y), mask), 1) as tf.Tensor1D; // [B]
  });
}

/**
 * Chosen and rejected sequence log-probs of pairs under a model, as one forward pass over 2B rows
 * (chosen first, then rejected). Differentiable.
 */
export function pairLogProbs(model: GPT, pairs: readonly PairIds[]): { chosen: tf.Tensor1D; rejected: tf.Tensor1D } {
  return tf.tidy(() => {
    const prompts = [...pairs.map((p) => p.prompt), ...pairs.map((p) => p.prompt)];
    const replies = [...pairs.map((p) => p.chosen), ...pairs.map((p) => p.rejected)];
    const all = sequenceLogProbs(model, prompts, replies); // [2B]
    const B = pairs.length;
    return { chosen: tf.slice(all, [0], [B]) as tf.Tensor1D, rejected: tf.slice(all, [B], [B]) as tf.Tensor1D };
  });
}

/** Settings of a DPO run. */
export interface DpoConfig {
  /** Optimizer steps. */
  steps: number;
  /** Preference pairs per step (2 sequences each). */
  pairsPerStep: number;
  /** AdamW learning rate (constant). */
  lr: number;
  /** β: the strength of the implicit KL to the reference (smaller lets the policy move further). */
  beta: number;
  /** Clip the gradient to this global norm (0: off). */
  gradClip: number;
  /** Seeds the order of the pairs. */
  seed: number;
}

export const DPO_DEFAULTS: DpoConfig = { steps: 120, pairsPerStep: 8, lr: 1e-4, beta: 0.1, gradClip: 1, seed: 1 };

/** DPO_DEFAULTS with overrides, checked: makeDpoConfig({ beta: 0.5 }).steps → 120 */
export function makeDpoConfig(overrides: Partial<DpoConfig> = {}): DpoConfig {
  const c = { ...DPO_DEFAULTS, ...overrides };
  assert(Number.isSafeInteger(c.steps) && c.steps >= 0, () => `DPO steps (${c.steps}) must be an integer >= 0`);
  assert(Number.isSafeInteger(c.pairsPerStep) && c.pairsPerStep >= 1,
    () => `DPO pairsPerStep (${c.pairsPerStep}) must be a positive integer`);
  assert(c.lr > 0 && c.beta > 0, () => `DPO lr (${c.lr}) and beta (${c.beta}) must be > 0`);
  return c;
}

/** What onStep receives after each DPO step. */
export interface DpoStepInfo {
  step: number;
  maxSteps: number;
  loss: number;
  /** Fraction of the step's pairs whose chosen reply has the higher implicit reward. */
  accuracy: number;
  /** Mean implicit rewards β·log(π/π_ref) of chosen and rejected replies. */
  chosenReward: number;
  rejectedReward: number;
  gradNorm: number;
  elapsedMs: number;
}

/**
 * The pairs of step s: a seeded shuffle of all pairs per epoch, pairsPerStep at a time.
 *
 *   stepPairs(pairs, 0, 8, seed) → 8 pairs; the 8 of step 1 are others, until an epoch is used up
 */
export function stepPairs<T>(pairs: readonly T[], step: number, count: number, seed: number): T[] {
  assert(pairs.length > 0, () => 'DPO needs at least one preference pair');
  const out: T[] = [];
  for (let k = step * count; k < (step + 1) * count; k++) {
    const epoch = Math.floor(k / pairs.length);
    const order = new Rng(hashSeed(seed, epoch)).shuffle(pairs.map((_, i) => i));
    out.push(pairs[order[k % pairs.length]]);
  }
  return out;
}

/**
 * Trains the policy in place with DPO on preference pairs; the reference stays frozen (it only
 * scores). Returns every step's info.
 */
export async function trainDpo(policy: GPT, reference: GPT, pairs: readonly PairIds[], config: Partial<DpoConfig> = {},
  run: { onStep?: (s: DpoStepInfo) => void; yieldEachStep?: boolean } = {}): Promise<DpoStepInfo[]> {
  const c = makeDpoConfig(config);
  assert(policy !== reference,
    () => 'trainDpo: the policy and the reference are the same model; load the SFT weights twice');
  const opt = new AdamW(policy.params.byName, { ...DEFAULT_ADAMW, weightDecay: 0 });
  const history: DpoStepInfo[] = [];
  const start = Date.now();
  try {
    for (let i = 0; i < c.steps; i++) {
      const batch = stepPairs(pairs, i, c.pairsPerStep, c.seed);
      const ref = pairLogProbs(reference, batch); // no gradient flows to the reference: it is not in the optimizer
      let aux: Omit<DpoLoss, 'loss'> | undefined; // the step's statistics (optimizerStep frees the loss)
      const step = optimizerStep(policy.params.byName, opt, [() => {
        const pol = pairLogProbs(policy, batch);
        const out = dpoLoss(pol.chosen, pol.rejected, ref.chosen, ref.rejected, c.beta);
        aux = {
          accuracy: tf.keep(out.accuracy), chosenReward: tf.keep(out.chosenReward),
          rejectedReward: tf.keep(out.rejectedReward),
        };
        return out.loss;
      }], { lr: c.lr, gradClip: c.gradClip });
      const read = (t: tf.Scalar) => t.dataSync()[0];
      const s: DpoStepInfo = {
        step: i + 1, maxSteps: c.steps, loss: read(step.loss), accuracy: read(aux!.accuracy),
        chosenReward: read(aux!.chosenReward), rejectedReward: read(aux!.rejectedReward), gradNorm: read(step.gradNorm),
        elapsedMs: Date.now() - start,
      };
      tf.dispose([
        ref.chosen, ref.rejected, step.loss, step.gradNorm, aux!.accuracy, aux!.chosenReward, aux!.rejectedReward,
      ]);
      history.push(s);
      run.onStep?.(s);
      if (run.yieldEachStep ?? true) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    opt.dispose();
  }
  return history;
}
