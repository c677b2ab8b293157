// Every stage's settings, per profile: the sizes that make `ci` a seconds-long smoke test, `workshop`
// a two-minute demonstration of each notebook's effect, and `full` the runs the notebooks' prose
// reports. The chat models read the BPE chat tokenizer with a context of 256 tokens.
//
//   pipelineSettings('workshop').sft.train.maxSteps → 450
//
// Left out: what the settings mean (each stage's module documents its own settings type).

import { Profile } from '../profile';
import { CHAT_VOCAB_SIZE } from '../tokenizer/chat';
import { QuestionRanges } from '../data/world/splits';
import { BaseSettings } from '../train/world';
import { SftSettings } from '../sft/stage';
import { RewardSettings } from '../reward/stage';
import { OnPolicySettings } from '../reward/onpolicy';
import { PracticeSettings } from '../rlhf/practice';
import { RlhfSettings } from '../rlhf/stage';
import { tenthFloor } from '../train/schedule';

/** The chat tokenizer's size. */
export interface TokenizerSettings {
  vocabSize: number;
}

/** Everything the pipeline is set by, for one profile. */
export interface PipelineSettings {
  tokenizer: TokenizerSettings;
  base: BaseSettings;
  sft: SftSettings;
  /** Notebook 05's reward model (templated comparisons). */
  reward: RewardSettings;
  /** The fact questions of the reward models and RLHF, cut once (src/data/world/splits.ts). */
  questions: QuestionRanges;
  /** Notebook 06's reward model (comparisons of the SFT model's replies). */
  onpolicy: OnPolicySettings;
  /** Notebook 06's practice run (its reward model and RL). */
  practice: PracticeSettings;
  rlhf: RlhfSettings;
}


/** The chat models' vocabulary: the size notebook 01's sweep chose (bits per byte at equal compute). */
const STAGE_VOCAB_SIZE = CHAT_VOCAB_SIZE;

const SETTINGS: Record<Profile, PipelineSettings> = {
  ci: {
    tokenizer: { vocabSize: STAGE_VOCAB_SIZE },
    base: {
      preset: 'tiny', model: { nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 256 },
      corpus: { size: 1000, arithmeticDigits: 2, arithmetic: 0.35 },
      train: { batchSize: 4, maxSteps: 40, evalEvery: 0, evalIters: 2, logEvery: 5, schedule: tenthFloor(3e-3, 5, 40) },
    },
    sft: {
      examples: 400, valExamples: 32, mixture: { weights: { facts: 1, arithmetic: 2 }, digits: 2 },
      train: {
        batchSize: 8, maxSteps: 20, evalEvery: 0, evalBatches: 2, logEvery: 5,
        schedule: tenthFloor(2e-3, 3, 20),
      },
    },
    reward: {
      pairs: { train: 256, heldOut: 64 }, headSeed: 1337,
      train: { batchSize: 16, maxSteps: 30, evalEvery: 10, trainEvalPairs: 64, schedule: tenthFloor(3e-3, 5, 30) },
    },
    questions: { prompts: 32, heldOut: 8, rewardHeldOut: 8 },
    onpolicy: {
      headSeed: 1337, fallbackPairs: { train: 256, heldOut: 64 },
      sampling: { samples: 4, maxTokens: 24, temperature: 1, seed: 11 },
      train: { batchSize: 16, maxSteps: 20, evalEvery: 10, trainEvalPairs: 32, schedule: tenthFloor(1e-3, 2, 20) },
    },
    practice: {
      questions: 4, samples: 4, rewardHeldOut: 8, rmSteps: 10, evalSamples: 2,
      rl: { steps: 3, promptsPerStep: 4, groupSize: 4, maxTokens: 24, lr: 1e-4, beta: 0.05 },
    },
    rlhf: {
      evalSamples: 2,
      rl: { steps: 6, promptsPerStep: 2, groupSize: 4, maxTokens: 24, lr: 1e-4, beta: 0.05 },
      dpo: { steps: 12, pairsPerStep: 4, lr: 1e-4, beta: 0.1 },
    },
  },
  workshop: {
    tokenizer: { vocabSize: STAGE_VOCAB_SIZE },
    base: {
      preset: 'baby', model: { nLayer: 3, nHead: 4, nEmbd: 96, blockSize: 256 },
      corpus: { size: 4000, arithmeticDigits: 2, arithmetic: 0.35 },
      // Subtle: at equal time (~80 s) 300 steps of 4 sequences beat 150 of 8 (val loss 1.53 vs 1.76) and 2 layers
      // of 128 (1.64); a learning rate of 6e-3 did not help (1.59); each then SFT for 120 steps, 57 questions a set.
      train: {
        batchSize: 4, maxSteps: 300, evalEvery: 0, evalIters: 8, logEvery: 5,
        schedule: tenthFloor(3e-3, 20, 300),
      },
    },
    sft: {
      examples: 4000, valExamples: 32, mixture: { weights: { facts: 1, arithmetic: 2 }, digits: 2 },
      // Subtle: 120 steps of 16 (20 s) left the reply copying no name or digit from the question (held-out facts
      // and sums together 1-2% on two seeds); 450 steps of 8 at 4e-3 (40 s) copy them, 4-7%. 400 steps: 2-4%.
      train: {
        batchSize: 8, maxSteps: 450, evalEvery: 0, evalBatches: 4, logEvery: 10,
        schedule: tenthFloor(4e-3, 10, 450),
      },
    },
    reward: {
      pairs: { train: 1000, heldOut: 160 }, headSeed: 1337,
      train: { batchSize: 16, maxSteps: 60, evalEvery: 15, trainEvalPairs: 64, schedule: tenthFloor(2e-3, 6, 60) },
    },
    questions: { prompts: 64, heldOut: 24, rewardHeldOut: 16 },
    onpolicy: {
      headSeed: 1337, fallbackPairs: { train: 1000, heldOut: 160 },
      sampling: { samples: 6, maxTokens: 24, temperature: 1, seed: 11 },
      train: { batchSize: 16, maxSteps: 40, evalEvery: 10, trainEvalPairs: 64, schedule: tenthFloor(3e-4, 4, 40) },
    },
    practice: {
      questions: 8, samples: 12, rewardHeldOut: 16, rmSteps: 60, evalSamples: 6,
      rl: { steps: 16, promptsPerStep: 8, groupSize: 6, maxTokens: 24, lr: 1e-4, beta: 0.05 },
    },
    rlhf: {
      evalSamples: 3,
      rl: { steps: 16, promptsPerStep: 4, groupSize: 4, maxTokens: 24, lr: 5e-5, beta: 0.05 },
      dpo: { steps: 32, pairsPerStep: 8, lr: 1e-5, beta: 0.5 },
    },
  },
  full: {
    tokenizer: { vocabSize: STAGE_VOCAB_SIZE },
    base: {
      preset: 'baby', model: { nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 256 },
      corpus: { size: 8000, arithmeticDigits: 2, arithmetic: 0.35 },
      train: {
        batchSize: 8, maxSteps: 500, evalEvery: 100, evalIters: 10, logEvery: 10,
        schedule: tenthFloor(2e-3, 40, 500),
      },
    },
    sft: {
      examples: 4000, valExamples: 64, mixture: { weights: { facts: 1, arithmetic: 2 }, digits: 2 },
      train: {
        batchSize: 16, maxSteps: 300, evalEvery: 100, evalBatches: 4, logEvery: 10,
        schedule: tenthFloor(1e-3, 20, 300),
      },
    },
    reward: {
      pairs: { train: 2000, heldOut: 300 }, headSeed: 1337,
      train: { batchSize: 16, maxSteps: 150, evalEvery: 15, trainEvalPairs: 128, schedule: tenthFloor(2e-3, 10, 150) },
    },
    questions: { prompts: 160, heldOut: 48, rewardHeldOut: 21 },
    onpolicy: {
      headSeed: 1337, fallbackPairs: { train: 2000, heldOut: 300 },
      sampling: { samples: 8, maxTokens: 32, temperature: 1, seed: 11 },
      train: { batchSize: 16, maxSteps: 60, evalEvery: 10, trainEvalPairs: 128, schedule: tenthFloor(3e-4, 6, 60) },
    },
    practice: {
      questions: 16, samples: 16, rewardHeldOut: 21, rmSteps: 150, evalSamples: 8,
      rl: { steps: 30, promptsPerStep: 8, groupSize: 8, maxTokens: 32, lr: 1e-4, beta: 0.05 },
    },
    rlhf: {
      evalSamples: 4,
      rl: { steps: 40, promptsPerStep: 4, groupSize: 4, maxTokens: 32, lr: 5e-5, beta: 0.05 },
      dpo: { steps: 80, pairsPerStep: 8, lr: 1e-5, beta: 0.5 },
    },
  },
};

/** The settings of a profile. */
export function pipelineSettings(prof: Profile): PipelineSettings {
  return SETTINGS[prof];
}
