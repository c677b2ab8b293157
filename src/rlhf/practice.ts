// RLHF step 5: RLHF where the reward model is right, on the questions it practises.
//
// A reward model this small (char-level, 0.8M parameters) cannot grade an answer to a question it
// never saw (notebook 06, sections 4-8: RL then optimizes its mistakes). It can learn to grade the
// questions it was trained on. So here the pipeline is run on a small pool of questions, as
// InstructGPT runs it on one pool of prompts: the SFT model answers each question K times, the
// labeler ranks the answers, a reward model learns those comparisons, and GRPO-style RL against
// that reward model practises the same questions. The result is measured with fresh samples on
// those questions (did RLHF improve on SFT where the reward is right?) and on the held-out ones
// (does any of it carry over?).
//
//   const s = practiceSettings('full');   // 16 questions x 16 replies, reward model 150 steps, RL 30 steps
//   const { rm } = await ensurePracticeReward({ profile: 'full' });
//   const history = await trainRl(policy, sft, { tok, examples: practiceQuestions(s), reward: rewardFnOf(rm) }, makeRlConfig('grpo', s.rl));
//
// Left out: iterating (sample from the RLHF policy, rank again, retrain the reward model).

import { assert } from '../util/assert';
import { QAExample } from '../data/world/task';
import { Profile, profile as activeProfile } from '../profile';
import { OnPolicySettings, QuestionRanges, ensureOnPolicyReward, onPolicyDir, onPolicySettings, questionRanges } from '../reward/onpolicy';
import { RewardStage } from '../reward/stage';
import { RlConfig } from './rl';
import { rlhfSettings } from './stage';

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

const SETTINGS: Record<Profile, PracticeSettings> = {
  ci: { questions: 4, samples: 4, rewardHeldOut: 8, rmSteps: 10, evalSamples: 2, rl: { steps: 3, promptsPerStep: 4, groupSize: 4, maxTokens: 32, lr: 1e-4, beta: 0.05 } },
  full: { questions: 16, samples: 16, rewardHeldOut: 21, rmSteps: 150, evalSamples: 8, rl: { steps: 30, promptsPerStep: 8, groupSize: 8, maxTokens: 40, lr: 1e-4, beta: 0.05 } },
};

/** The settings of a profile (default: the active one). */
export function practiceSettings(prof: Profile = activeProfile()): PracticeSettings {
  return SETTINGS[prof];
}

/**
 * The question ranges of the practice reward model: the practised questions, then its own held-out
 * ones. Both lie before the questions every policy is scored on, so none of those is ever compared.
 */
export function practiceRanges(s: PracticeSettings, prof: Profile = activeProfile()): QuestionRanges {
  const r = rlhfSettings(prof);
  assert(s.questions + s.rewardHeldOut <= r.prompts, () => `practice: ${s.questions} practised + ${s.rewardHeldOut} held-out questions exceed the ${r.prompts} RL prompts; the scored questions come after them`);
  return { prompts: s.questions, heldOut: 0, rewardHeldOut: s.rewardHeldOut };
}

/** The practised questions: the first s.questions RL prompts (see practiceRanges). */
export function practiceQuestions(s: PracticeSettings, prof: Profile = activeProfile()): QAExample[] {
  return questionRanges(practiceRanges(s, prof)).train;
}

/** Where the practice reward model lives: runs/<profile>/reward-onpolicy-practice. */
export function practiceRewardDir(prof: Profile = activeProfile()): string {
  return `${onPolicyDir(prof)}-practice`;
}

/** The practice reward model: trained once on comparisons of the SFT model's replies to the practised questions, then loaded. */
export async function ensurePracticeReward(opts: { profile?: Profile; log?: (line: string) => void; force?: boolean } = {}): Promise<RewardStage> {
  const prof = opts.profile ?? activeProfile();
  const s = practiceSettings(prof);
  const base = onPolicySettings(prof);
  const schedule = { maxLr: 3e-4, minLr: 3e-5, warmupSteps: Math.min(10, Math.floor(s.rmSteps / 10)), decaySteps: s.rmSteps };
  const settings: OnPolicySettings = {
    ...base, questions: practiceRanges(s, prof),
    sampling: { ...base.sampling, samples: s.samples },
    train: { ...base.train, maxSteps: s.rmSteps, evalEvery: Math.max(1, Math.floor(s.rmSteps / 6)), schedule },
  };
  return ensureOnPolicyReward({ profile: prof, dir: practiceRewardDir(prof), settings, log: opts.log, force: opts.force });
}
