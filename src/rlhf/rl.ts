// RLHF, step 3: the loop. Each step samples replies from the policy, scores them with the reward
// function (the frozen reward model), turns the scores into advantages and takes a policy-gradient
// step, and reports what happened: the learned reward, the KL to the SFT model, the true score and
// the diversity of the replies.
//
//   const history = await trainRl(policy, sft, { tok, examples, reward: (p, r) => rm.score(p, r) },
//     makeRlConfig('grpo'));
//
// Two algorithms share the loop; they differ in three settings:
//   ppo:  advantages whitened over the batch, KL as β·Σk1 subtracted from the reward (InstructGPT),
//         several epochs over each batch of samples (so the clipped ratio matters);
//   grpo: advantages relative to the G replies to the same prompt, KL as β·k3 in the loss
//         (DeepSeekMath), one pass over each batch (on-policy: REINFORCE with a group baseline).
// The reference model is only read (never passed to the optimizer): it stays the SFT model.
// Left out: a value head, minibatches within a batch, reward normalization across steps.

import { assert } from '../util/assert';
import { hashSeed } from '../data/rng';
import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { Conversation } from '../data/conversation';
import { checkAnswer } from '../data/world/answers';
import { labelerReward } from '../data/world/labeler';
import { QAExample, promptFor } from '../data/world/task';
import { GPT } from '../model';
import { AdamW, DEFAULT_ADAMW, optimizerStep } from '../train';
import * as tf from '@tensorflow/tfjs';
import { promptIds } from './dpo';
import { distinctN, groupDistinctN, mean, replyText } from './metrics';
import { KlPlacement, groupAdvantages, policyLoss, whiten } from './ppo';
import { batchTensors, makeRollout, Rollout, rowSums, tokenLogProbs } from './rollout';

/** Scores replies to prompts; higher is better. The reward model's score, or a stand-in. */
export type RewardFn = (prompts: Conversation[], replies: string[]) => number[];

/** The two policy-gradient algorithms. */
export type RlAlgo = 'ppo' | 'grpo';

/** Settings of an RL run. */
export interface RlConfig {
  algo: RlAlgo;
  /** Rollout + update rounds. */
  steps: number;
  /** Distinct prompts per step. */
  promptsPerStep: number;
  /** Replies sampled per prompt (GRPO's G); the batch is promptsPerStep x groupSize replies. */
  groupSize: number;
  /** Most tokens per reply (the end token included). */
  maxTokens: number;
  /** AdamW learning rate (constant; RL fine-tuning uses small ones). */
  lr: number;
  /** KL coefficient β; 0 lets the policy drift as far as the reward pulls it. */
  beta: number;
  /** Where the KL penalty goes: 'reward' (k1, PPO's default) or 'loss' (k3, GRPO's default). */
  kl: KlPlacement;
  /** PPO's clip range ε. */
  clipEps: number;
  /** Gradient steps on each batch of samples (1: on-policy). */
  epochs: number;
  /** Clip the gradient to this global norm (0: off). */
  gradClip: number;
  /** Seeds the prompts' order and the sampling. */
  seed: number;
}

const COMMON = {
  steps: 60, promptsPerStep: 4, groupSize: 4, maxTokens: 40, lr: 1e-4, beta: 0.05, clipEps: 0.2, gradClip: 1, seed: 1,
};

/** Each algorithm's defaults. */
export const RL_DEFAULTS: Record<RlAlgo, RlConfig> = {
  ppo: { ...COMMON, algo: 'ppo', kl: 'reward', epochs: 2 },
  grpo: { ...COMMON, algo: 'grpo', kl: 'loss', epochs: 1 },
};

/**
 * An algorithm's defaults with overrides, checked.
 *
 *   makeRlConfig('grpo', { beta: 0 }) → { algo: 'grpo', kl: 'loss', epochs: 1, beta: 0, ... }
 */
export function makeRlConfig(algo: RlAlgo, overrides: Partial<RlConfig> = {}): RlConfig {
  assert(algo === 'ppo' || algo === 'grpo', () => `RL algorithm '${algo}' is not known; use 'ppo' or 'grpo'`);
  const c: RlConfig = { ...RL_DEFAULTS[algo], ...overrides, algo };
  const posInt = (name: keyof RlConfig, min = 1) => assert(Number.isSafeInteger(c[name]) && (c[name] as number) >= min,
    () => `${name} (${c[name]}) must be an integer >= ${min}`);
  posInt('steps', 0);
  posInt('promptsPerStep');
  posInt('groupSize');
  posInt('maxTokens');
  posInt('epochs');
  assert(c.lr > 0, () => `lr (${c.lr}) must be > 0`);
  assert(c.beta >= 0, () => `beta (${c.beta}) must be >= 0`);
  assert(c.kl === 'reward' || c.kl === 'loss', () => `kl '${c.kl}' must be 'reward' or 'loss'`);
  assert(c.algo !== 'grpo' || c.groupSize >= 2,
    () => `GRPO compares replies to the same prompt: groupSize (${c.groupSize}) must be >= 2`);
  return c;
}

/** What RL reads besides the two models. */
export interface RlEnv {
  tok: ChatTokenizer;
  /** Questions to ask (cycled through, promptsPerStep at a time); their expected answers give the true score. */
  examples: QAExample[];
  /** The reward being maximized. */
  reward: RewardFn;
}

/** Scores of one batch of replies. */
export interface ReplyScores {
  /** Mean learned reward (the reward function's score). */
  reward: number;
  /** Mean KL(π‖π_ref) per reply: the sum of k1 over its tokens. */
  kl: number;
  /** True score: fraction of replies that give the expected answer (the task's own check). */
  correct: number;
  /** Mean score of the rule-based labeler the reward model imitates (0.6 correct + 0.2 polite + 0.2 brief). */
  labeler: number;
  /** distinct-1 and distinct-2 of the replies to the same prompt (averaged over prompts). */
  distinct1: number;
  distinct2: number;
  /** distinct-2 over the whole batch. */
  batchDistinct2: number;
  /** Mean reply length in characters. */
  length: number;
}

/** What onStep receives after each RL step. */
export interface RlStepInfo extends ReplyScores {
  step: number;
  maxSteps: number;
  /** Policy loss of the first epoch. */
  loss: number;
  /** Fraction of tokens with a clipped ratio in the last epoch (0 with one epoch). */
  clipFrac: number;
  gradNorm: number;
  elapsedMs: number;
  /** One reply of this step, to watch what the policy writes. */
  sample: string;
}

/** The examples of step s: promptsPerStep of them, cycling: stepExamples(ex, 1, 2) → [ex[2], ex[3]] */
export function stepExamples<E>(examples: readonly E[], step: number, count: number): E[] {
  assert(examples.length > 0, () => 'RL needs at least one example prompt');
  return Array.from({ length: count }, (_, i) => examples[(step * count + i) % examples.length]);
}

/**
 * The labeler itself as the reward: the grader the reward model only imitates. A control for
 * notebook 06: RL paid by it shows what the algorithm does when the reward cannot be fooled.
 * Prompts are matched to their examples by content.
 *
 *   labelerRewardFn([ex])([promptFor(ex)], ['Saro is a miller.']) → [labelerReward(ex, 'Saro is a miller.')]
 */
export function labelerRewardFn(examples: readonly QAExample[]): RewardFn {
  const byPrompt = new Map(examples.map((e) => [JSON.stringify(promptFor(e)), e]));
  return (prompts, replies) => prompts.map((p, i) => {
    const e = byPrompt.get(JSON.stringify(p));
    assert(e !== undefined,
      () => `labelerRewardFn: a prompt (${JSON.stringify(p).slice(0, 80)}…) is not one of its ${examples.length} ` +
        'examples; build it from the examples RL asks');
    return labelerReward(e, replies[i]);
  });
}

/** Each item repeated n times in place: repeatEach([a, b], 2) → [a, a, b, b] */
export function repeatEach<T>(xs: readonly T[], n: number): T[] {
  return xs.flatMap((x) => Array.from({ length: n }, () => x));
}

/** Samples G replies to each example and scores them: the rollout, the texts and the scores. */
export function rolloutAndScore(policy: GPT, reference: GPT, env: RlEnv, examples: readonly QAExample[], G: number,
  opts: { maxTokens: number; seed: number; temperature?: number },
): { rollout: Rollout; texts: string[]; rewards: number[]; klSeq: number[]; scores: ReplyScores } {
  const chat = chatTokens(env.tok);
  const exs = repeatEach(examples, G);
  const convs = exs.map((e) => promptFor(e));
  const rollout = makeRollout(policy, reference, convs.map((c) => promptIds(c, chat)),
    { maxTokens: opts.maxTokens, stopId: chat.assistantEnd, seed: opts.seed, temperature: opts.temperature });
  const texts = rollout.replies.map((r) => replyText(env.tok, r, chat.assistantEnd));
  const rewards = env.reward(convs, texts);
  assert(rewards.length === texts.length && rewards.every(Number.isFinite),
    () => `the reward function returned ${rewards.length} values (${rewards.slice(0, 4)}…) for ${texts.length} ` +
      'replies; it must return one finite number per reply');
  const diff = rollout.oldLogp.map((v, i) => v - rollout.refLogp[i]);
  const klSeq = rowSums(diff, rollout.batch.lossMask, rollout.batch.shape);
  const scores: ReplyScores = {
    reward: mean(rewards),
    kl: mean(klSeq),
    correct: mean(exs.map((e, i) => (checkAnswer(e.expected, texts[i]) ? 1 : 0))),
    labeler: mean(exs.map((e, i) => labelerReward(e, texts[i]))),
    distinct1: groupDistinctN(texts, 1, G),
    distinct2: groupDistinctN(texts, 2, G),
    batchDistinct2: distinctN(texts, 2),
    length: mean(texts.map((t) => t.length)),
  };
  return { rollout, texts, rewards, klSeq, scores };
}

/** One policy-gradient update on a rollout with per-reply advantages; returns the loss and diagnostics. */
function updateOnRollout(
  policy: GPT, opt: AdamW, rollout: Rollout, adv: number[], c: RlConfig,
): { loss: number; clipFrac: number; gradNorm: number } {
  const shape = rollout.batch.shape;
  let first = { loss: 0, clipFrac: 0, gradNorm: 0 };
  for (let epoch = 0; epoch < c.epochs; epoch++) {
    let clipFrac: tf.Scalar | undefined;
    const step = optimizerStep(policy.params.byName, opt, [() => {
      const { x, y, mask } = batchTensors(rollout.batch);
      const logp = tokenLogProbs(policy, x, y); // [B, T]
      const old = tf.tensor2d(rollout.oldLogp, shape); // [B, T]
      const ref = tf.tensor2d(rollout.refLogp, shape); // [B, T]
      const out = policyLoss(logp, old, ref, tf.tensor1d(adv), mask, { clipEps: c.clipEps, beta: c.beta, kl: c.kl });
      clipFrac = tf.keep(out.clipFrac);
      return out.loss;
    }], { lr: c.lr, gradClip: c.gradClip });
    if (epoch === 0) first = { loss: step.loss.dataSync()[0], clipFrac: 0, gradNorm: step.gradNorm.dataSync()[0] };
    first.clipFrac = clipFrac!.dataSync()[0];
    tf.dispose([step.loss, step.gradNorm, clipFrac!]);
  }
  return first;
}

/** Options of trainRl. */
export interface RlRunOptions {
  onStep?: (s: RlStepInfo) => void;
  /** Yield to the event loop after every step so notebook displays redraw (default true). */
  yieldEachStep?: boolean;
}

/**
 * Trains the policy in place against env.reward, with the reference frozen; returns every step's info.
 * The AdamW of the run has no weight decay (decay would pull towards 0, not towards the SFT model).
 */
export async function trainRl(
  policy: GPT, reference: GPT, env: RlEnv, config: RlConfig, run: RlRunOptions = {},
): Promise<RlStepInfo[]> {
  const c = makeRlConfig(config.algo, config);
  assert(policy !== reference, () => 'trainRl: the policy and the reference are the same model; ' +
    'load the SFT weights twice so the reference stays frozen');
  const opt = new AdamW(policy.params.byName, { ...DEFAULT_ADAMW, weightDecay: 0 });
  const history: RlStepInfo[] = [];
  const start = Date.now();
  try {
    for (let step = 0; step < c.steps; step++) {
      const exs = stepExamples(env.examples, step, c.promptsPerStep);
      const r = rolloutAndScore(policy, reference, env, exs, c.groupSize,
        { maxTokens: c.maxTokens, seed: hashSeed(c.seed, step) });
      const shaped = c.kl === 'reward' ? r.rewards.map((x, i) => x - c.beta * r.klSeq[i]) : r.rewards;
      const adv = c.algo === 'grpo' ? groupAdvantages(shaped, c.groupSize) : whiten(shaped);
      const u = updateOnRollout(policy, opt, r.rollout, adv, c);
      const info: RlStepInfo = {
        step: step + 1, maxSteps: c.steps, ...r.scores, ...u, elapsedMs: Date.now() - start, sample: r.texts[0],
      };
      history.push(info);
      run.onStep?.(info);
      if (run.yieldEachStep ?? true) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    opt.dispose();
  }
  return history;
}

/** Scores of a model on held-out prompts, with a few of its replies. */
export interface PolicyEval extends ReplyScores {
  rows: { question: string; reply: string; reward: number; correct: boolean }[];
}

/**
 * Samples `samples` replies (temperature 1, a fixed seed) to each example and scores them: learned
 * reward, KL to the reference, true score, labeler score and diversity. The same call scores the SFT
 * model, the RLHF policy and the DPO policy, so their numbers compare.
 *
 *   evaluatePolicy(policy, sft, env, heldOut, { samples: 4, maxTokens: 40, seed: 7 }).correct → 0.45
 */
export function evaluatePolicy(model: GPT, reference: GPT, env: RlEnv, examples: readonly QAExample[],
  opts: { samples: number; maxTokens: number; seed: number; batchPrompts?: number }): PolicyEval {
  const per = opts.batchPrompts ?? 8;
  const all: { scores: ReplyScores; texts: string[]; rewards: number[]; exs: QAExample[] }[] = [];
  for (let i = 0; i < examples.length; i += per) {
    const exs = examples.slice(i, i + per);
    const r = rolloutAndScore(model, reference, env, exs, opts.samples,
      { maxTokens: opts.maxTokens, seed: hashSeed(opts.seed, i) });
    all.push({ scores: r.scores, texts: r.texts, rewards: r.rewards, exs: repeatEach(exs, opts.samples) });
  }
  const texts = all.flatMap((a) => a.texts);
  const exs = all.flatMap((a) => a.exs);
  const rewards = all.flatMap((a) => a.rewards);
  // Weighted by batch size, so every reply counts once.
  const w = all.map((a) => a.texts.length);
  const avg = (k: keyof ReplyScores) => all.reduce((s, a, i) => s + a.scores[k] * w[i], 0) / texts.length;
  return {
    reward: avg('reward'), kl: avg('kl'), correct: avg('correct'), labeler: avg('labeler'),
    distinct1: groupDistinctN(texts, 1, opts.samples), distinct2: groupDistinctN(texts, 2, opts.samples),
    batchDistinct2: distinctN(texts, 2), length: avg('length'),
    rows: texts.map((reply, i) => ({
      question: exs[i].question, reply, reward: rewards[i], correct: checkAnswer(exs[i].expected, reply),
    })),
  };
}
