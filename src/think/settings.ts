// Notebook 07's sizes per profile: the think model (stage.ts), its verifier, and how many held-out
// sums and attempts the notebook measures. `ci` is a seconds-long smoke test (its models learn
// little), `workshop` fits notebook 07 in about two minutes once notebook 04's base model exists,
// `full` is for the notebook's prose.
//
//   thinkSettings('workshop').sft.train.maxSteps → 1500
//
// Left out: what each field means (stage.ts and sums.ts document their types).

import { Profile } from '../profile';
import { ThinkSftSettings, VerifierSettings } from './stage';
import { ThinkDataConfig } from './sums';
import { tenthFloor } from '../train/schedule';

/** How much notebook 07 (and `gpt-lab eval`'s defaults) measure. */
export interface ThinkEvalSettings {
  /** Held-out sums per digit count. */
  problems: number;
  /** The most attempts per sum (the largest N of the ensemble plots). */
  maxN: number;
  /** Sampling temperatures of the ensembles. */
  temperatures: readonly number[];
  /** Operand digits of the ensemble, quality and self-check sections (where the model gets some right). */
  ensembleDigits: number;
  /** The most attempts check-and-retry makes. */
  checkAttempts: number;
  /** Sums of the few-shot comparison. */
  fewShotProblems: number;
  /** Names each model samples in "sampling many things". */
  names: number;
}

/** Everything notebook 07 is set by, for one profile. */
export interface ThinkSettings {
  sft: ThinkSftSettings;
  verifier: VerifierSettings;
  eval: ThinkEvalSettings;
}


/** Equal weights for the three formats; quality and check examples as often as one format each. */
const DATA: ThinkDataConfig = {
  weights: { direct: 1, worked: 1, filler: 1, quality: 1, check: 1 },
  digits: [2, 3], flawRate: 0.5, tagRate: 0.67, wrongProposals: 0.5,
};

const SETTINGS: Record<Profile, ThinkSettings> = {
  ci: {
    sft: {
      examples: 300, valExamples: 16, data: DATA,
      train: { batchSize: 8, maxSteps: 10, evalEvery: 0, evalBatches: 1, logEvery: 5,
        schedule: tenthFloor(2e-3, 2, 10) },
    },
    verifier: {
      pairs: { train: 64, heldOut: 16 }, digits: [2, 3], headSeed: 1337,
      train: { batchSize: 8, maxSteps: 6, evalEvery: 6, trainEvalPairs: 16, schedule: tenthFloor(1e-3, 1, 6) },
    },
    eval: {
      problems: 6, maxN: 4, temperatures: [1], ensembleDigits: 2, checkAttempts: 2, fewShotProblems: 4, names: 8,
    },
  },
  workshop: {
    // Subtle: the worked format appears suddenly (held-out sums, greedy, 60 each): 2-digit 5% and 3-digit 2% after
    // 600 steps, 75% / 18% after 1000, 93% / 77% after 1500, while direct stayed 0-5% and filler 0-13%.
    sft: {
      examples: 6000, valExamples: 64, data: DATA,
      train: { batchSize: 16, maxSteps: 1500, evalEvery: 0, evalBatches: 2, logEvery: 10,
        schedule: tenthFloor(3e-3, 20, 1500) },
    },
    verifier: {
      pairs: { train: 1000, heldOut: 128 }, digits: [2, 3], headSeed: 1337,
      train: { batchSize: 16, maxSteps: 60, evalEvery: 30, trainEvalPairs: 64, schedule: tenthFloor(5e-4, 6, 60) },
    },
    eval: {
      problems: 40, maxN: 16, temperatures: [1], ensembleDigits: 2, checkAttempts: 4, fewShotProblems: 30, names: 32,
    },
  },
  full: {
    sft: {
      examples: 12000, valExamples: 128, data: DATA,
      train: { batchSize: 16, maxSteps: 1500, evalEvery: 300, evalBatches: 4, logEvery: 20,
        schedule: tenthFloor(2e-3, 40, 1500) },
    },
    verifier: {
      pairs: { train: 3000, heldOut: 300 }, digits: [2, 3], headSeed: 1337,
      train: { batchSize: 16, maxSteps: 200, evalEvery: 50, trainEvalPairs: 128,
        schedule: tenthFloor(5e-4, 10, 200) },
    },
    eval: {
      problems: 200, maxN: 32, temperatures: [0.7, 1], ensembleDigits: 3, checkAttempts: 4, fewShotProblems: 100,
      names: 64,
    },
  },
};

/** Notebook 07's settings for a profile. */
export function thinkSettings(prof: Profile): ThinkSettings {
  return SETTINGS[prof];
}
