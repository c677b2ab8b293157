// RLHF and DPO as stages: the SFT model in, a policy out.
//
//   const run = await trainRlhf(policy, reference, env, config, { dir: 'runs/full/rlhf', record }, { from });
//   const dpo = await trainDpoStage(policy, reference, pairs, config, { dir: 'runs/full/dpo', record }, { from });
//
// Each trains `policy.model` in place and saves it once in the pretraining checkpoint format (stage
// 'rlhf' / 'dpo', the step history in state.extra). The reference is a second, frozen copy of the
// SFT weights; the reward model is only read.
//
// The reward model is InstructGPT's: trained on comparisons of the SFT model's own replies to the RL
// prompts, ranked by the labeler (src/reward/onpolicy.ts). DPO trains on exactly those comparisons
// (dpoPairs). The prompts are the world's fact questions (train split), cut into RL prompts and
// held-out prompts that every model is scored on (src/data/world/splits.ts). Arithmetic is left out:
// the SFT model answers it with long worked steps that cost many sampling steps per reply.
// src/pipeline decides whether to train and loads the models. Left out: resuming an interrupted RL
// run (it starts over: minutes long).

import { ChatTokenizer, chatTokens } from '../data/char-tokenizer';
import { QAExample } from '../data/world/task';
import { World } from '../data/world/world';
import { labelerReward } from '../data/world/labeler';
import { GPT } from '../model';
import { ChatModel } from '../sample/chat';
import { CheckpointState, checkpointState, saveCheckpoint } from '../train/checkpoint';
import { StageSave } from '../train/world';
import { RewardModel, RewardTokens } from '../reward/model';
import { OnPolicySettings, ReplyScorer, onPolicyData } from '../reward/onpolicy';
import { DpoConfig, DpoStepInfo, PairIds, promptIds, replyIds, trainDpo } from './dpo';
import { RewardFn, RlConfig, RlEnv, RlStepInfo, trainRl } from './rl';

/** RLHF's and DPO's sizes (the questions come from the pipeline's one split). */
export interface RlhfSettings {
  /** Replies sampled per held-out question when scoring (diversity needs several). */
  evalSamples: number;
  /** The RL run (the algorithm comes from the caller; PPO by default). */
  rl: Partial<RlConfig>;
  /** The DPO run: by default the same number of optimizer updates, and as many sequences per update, as PPO. */
  dpo: Partial<DpoConfig>;
}

/** What a finished RLHF checkpoint records in state.extra. */
export interface RlhfExtra {
  done: true;
  /** The SFT checkpoint it started from. */
  from: string;
  algo: RlConfig['algo'];
  history: RlStepInfo[];
  seconds: number;
}

/** What a finished DPO checkpoint records in state.extra. */
export interface DpoExtra {
  done: true;
  from: string;
  pairs: number;
  dpoHistory: DpoStepInfo[];
  seconds: number;
}

/** The reward model as RL's reward function, reading through its tokens. */
export function rewardFnOf(rm: RewardModel, chat: RewardTokens): RewardFn {
  return (prompts, replies) => rm.score(prompts, replies, chat);
}

/**
 * The on-policy reward model's training comparisons, as ids for DPO: the same replies of `sft`
 * (sampled with the same seed), ranked by the labeler.
 *
 *   dpoPairs(sft.model, sft.tok, world, questions, settings).length → the reward model's extra.pairs.train
 */
export function dpoPairs(sft: GPT, tok: ChatTokenizer, world: World,
  questions: { train: readonly QAExample[]; rewardHeldOut: readonly QAExample[] },
  settings: OnPolicySettings, score: ReplyScorer = labelerReward): PairIds[] {
  const chat = chatTokens(tok);
  const blockSize = sft.config.blockSize;
  return onPolicyData(sft, tok, world, questions, settings, score).train.map((p) => {
    const prompt = promptIds(p.prompt, chat);
    return {
      prompt, chosen: replyIds(p.chosen, chat, prompt.length, blockSize),
      rejected: replyIds(p.rejected, chat, prompt.length, blockSize),
    };
  });
}

/** A finished policy and what its checkpoint holds. */
export interface PolicyRun<E> {
  model: GPT;
  state: CheckpointState & { extra: E };
}

function savePolicy<E extends object>(
  save: StageSave, stage: 'rlhf' | 'dpo', model: GPT, steps: number, seed: number, train: unknown, extra: E,
): CheckpointState & { extra: E } {
  const fields = {
    step: steps, config: model.config, train, seed, ...save.record, stage,
    extra: { ...extra } as Record<string, unknown>,
  };
  saveCheckpoint(save.dir, fields, model);
  return checkpointState(fields) as CheckpointState & { extra: E };
}

/**
 * RLHF: PPO (or GRPO-style) on `policy.model` against env.reward, with `reference` frozen; saves the
 * policy once. The caller owns the returned model (policy.model itself).
 */
export async function trainRlhf(policy: ChatModel, reference: GPT, env: RlEnv, config: RlConfig, save: StageSave,
  opts: { from: string; onStep?: (s: RlStepInfo) => void }): Promise<PolicyRun<RlhfExtra>> {
  const start = performance.now();
  const history = await trainRl(policy.model, reference, env, config, { onStep: opts.onStep });
  const extra: RlhfExtra = {
    done: true, from: opts.from, algo: config.algo, history, seconds: (performance.now() - start) / 1000,
  };
  return {
    model: policy.model, state: savePolicy(save, 'rlhf', policy.model, config.steps, config.seed, config, extra),
  };
}

/** DPO on `pairs` with `reference` frozen; saves the policy once. */
export async function trainDpoStage(policy: ChatModel, reference: GPT, pairs: PairIds[], config: DpoConfig,
  save: StageSave, opts: { from: string; onStep?: (s: DpoStepInfo) => void }): Promise<PolicyRun<DpoExtra>> {
  const start = performance.now();
  const dpoHistory = await trainDpo(policy.model, reference, pairs, config, { onStep: opts.onStep });
  const extra: DpoExtra = {
    done: true, from: opts.from, pairs: pairs.length, dpoHistory, seconds: (performance.now() - start) / 1000,
  };
  return {
    model: policy.model, state: savePolicy(save, 'dpo', policy.model, config.steps, config.seed, config, extra),
  };
}
