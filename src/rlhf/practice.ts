// RLHF step 5: RLHF where the reward model is right, on the questions it practises.
//
// A reward model this small cannot grade an answer to a question it never saw (notebook 06, sections
// 4-8: RL then optimizes its mistakes). It can learn to grade the questions it was trained on. So here
// the pipeline is run on a small pool of questions, as InstructGPT runs it on one pool of prompts: the
// SFT model answers each question K times, the labeler ranks the answers, a reward model learns those
// comparisons (the pipeline's 'reward-practice' stage), and GRPO-style RL against that reward model
// practises the same questions. The result is measured with fresh samples on those questions (did
// RLHF improve on SFT where the reward is right?) and on the held-out ones (does any of it carry over?).
//
//   const s = settings.practice;                               // e.g. 16 questions x 16 replies
//   const { rm } = await getStage('reward-practice', { profile });
//   const history = await trainRl(policy, sft, { tok, examples: practiced, reward: rewardFnOf(rm, chat) },
//     makeRlConfig('grpo', s.rl));
//
// The questions are the first RL prompts (src/data/world/splits.ts, practiceRanges).
// Left out: iterating (sample from the RLHF policy, rank again, retrain the reward model).

import { OnPolicySettings } from '../reward/onpolicy';
import { RlConfig } from './rl';

/** What the practice run is set by. */
export interface PracticeSettings {
  /** The practised questions: the first `questions` RL prompts. */
  questions: number;
  /** Replies sampled per question for the comparisons. */
  samples: number;
  /** Questions (after the practised ones) the reward model's held-out comparisons come from. */
  rewardHeldOut: number;
  /** Reward model training steps. */
  rmSteps: number;
  /** The RL run (GRPO-style). */
  rl: Partial<RlConfig>;
  /** Fresh samples per practised question when scoring SFT and the policy. */
  evalSamples: number;
}

/**
 * The practice reward model's settings: the on-policy ones with the practice run's samples and steps.
 *
 *   practiceRewardSettings(onpolicy, { samples: 16, rmSteps: 150, ... }).train.maxSteps → 150
 */
export function practiceRewardSettings(base: OnPolicySettings, s: PracticeSettings): OnPolicySettings {
  const schedule = {
    maxLr: 3e-4, minLr: 3e-5, warmupSteps: Math.min(10, Math.floor(s.rmSteps / 10)), decaySteps: s.rmSteps,
  };
  return {
    ...base,
    sampling: { ...base.sampling, samples: s.samples },
    train: { ...base.train, maxSteps: s.rmSteps, evalEvery: Math.max(1, Math.floor(s.rmSteps / 6)), schedule },
  };
}
