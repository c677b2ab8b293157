// Notebook 09's settings per profile: the tool fine-tuning stage (sft-tools), its evaluation, the
// constrained-decoding measurements and the LoRA / low-precision sweeps. src/pipeline/run.ts and the
// notebook read them; only the CLI and the notebook read the profile from the environment.
//
//   toolboxSettings('workshop').tools.train.maxSteps → 1000
//
// Left out: the pipeline's own stages (src/pipeline/settings.ts).

import { Profile } from '../profile';
import { SftTrainConfig } from '../sft/train';
import { ToolDataSettings } from './data';
import { tenthFloor } from '../train/schedule';

/** The sft-tools stage: data and training. */
export interface ToolStageSettings {
  data: ToolDataSettings;
  train: Partial<SftTrainConfig>;
}

/** Everything notebook 09 measures, per profile. */
export interface ToolboxSettings {
  tools: ToolStageSettings;
  /** Held-out problems per kind (sum, product) for the tool measurements. */
  evalPerKind: number;
  /** Most reply tokens when measuring. */
  maxTokens: number;
  /** Held-out 2-digit sums for the constrained-decoding measurements. */
  constrainQuestions: number;
  lora: {
    /** The ranks compared with full fine-tuning. */
    ranks: number[];
    /** The learning-rate grid of the adapters (alpha = 2 * rank) and of full fine-tuning. */
    loraLrs: number[];
    fullLrs: number[];
    /** Steps of every run, conversations per step, training and validation conversations. */
    steps: number;
    batchSize: number;
    examples: number;
    valExamples: number;
  };
}


const SETTINGS: Record<Profile, ToolboxSettings> = {
  ci: {
    tools: {
      data: { examples: 300, valExamples: 32, weights: { tool: 1, steps: 1, sft: 1 } },
      train: { batchSize: 8, maxSteps: 12, evalEvery: 0, evalBatches: 2, logEvery: 4,
        schedule: tenthFloor(2e-3, 2, 12) },
    },
    evalPerKind: 6, maxTokens: 40, constrainQuestions: 8,
    lora: { ranks: [1, 8], loraLrs: [1e-2], fullLrs: [1e-3], steps: 4, batchSize: 8, examples: 64, valExamples: 16 },
  },
  workshop: {
    tools: {
      // Subtle: copying digits (the question's into the call, the output into the answer) appears suddenly: after
      // 600 steps the call was copied and the answer not (0-8% right), after 1000 steps 92% of sums and 58% of products
      // were right; 150 steps at tool weight 1 taught the format and no copying at all (0%).
      data: { examples: 4000, valExamples: 32, weights: { tool: 3, steps: 1, sft: 1 } },
      train: { batchSize: 16, maxSteps: 1000, evalEvery: 0, evalBatches: 2, logEvery: 10,
        schedule: tenthFloor(3e-3, 20, 1000) },
    },
    evalPerKind: 32, maxTokens: 64, constrainQuestions: 48,
    lora: {
      ranks: [1, 2, 4, 8, 16], loraLrs: [3e-3, 1e-2], fullLrs: [3e-4, 1e-3], steps: 30, batchSize: 16, examples: 600,
      valExamples: 32,
    },
  },
  full: {
    tools: {
      data: { examples: 8000, valExamples: 64, weights: { tool: 3, steps: 1, sft: 1 } },
      train: { batchSize: 16, maxSteps: 1200, evalEvery: 200, evalBatches: 4, logEvery: 20,
        schedule: tenthFloor(2e-3, 40, 1200) },
    },
    evalPerKind: 64, maxTokens: 72, constrainQuestions: 96,
    lora: {
      ranks: [1, 2, 4, 8, 16], loraLrs: [1e-3, 3e-3, 1e-2], fullLrs: [1e-4, 3e-4, 1e-3], steps: 80, batchSize: 16,
      examples: 1200, valExamples: 64,
    },
  },
};

/** The settings of a profile. */
export function toolboxSettings(prof: Profile): ToolboxSettings {
  return SETTINGS[prof];
}
