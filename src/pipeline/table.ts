// The pipeline as one table: which stage starts from which, and where each keeps its model.
//
//   tokenizer → base → sft → reward            (notebook 05: the labeler's templated comparisons)
//                       ├→ reward-onpolicy      (notebook 06: comparisons of the SFT model's own replies)
//                       ├→ reward-practice      (notebook 06: the same, on a few questions it practises)
//                       ├→ rlhf                 (PPO / GRPO against reward-onpolicy)
//                       ├→ dpo                  (on reward-onpolicy's comparisons, no reward model)
//                       └→ sft-tools            (notebook 09: calculator traces, the tool's output out of the loss)
//              base → think-sft → think-verifier   (notebook 07: answer formats, quality tags, checks; a verifier)
//   base → encoder   (notebook 08: a contrastive retrieval encoder);
//   sft → openbook   (notebook 08: answers from passages)
//
// Each stage keeps its checkpoint in runs/<profile>/<dir> under the project root (GPTLAB_RUNS_DIR
// moves the tree). The stage code knows nothing of this order: src/train/world.ts pretrains,
// src/sft/stage.ts fine-tunes, src/reward/stage.ts trains a reward model, src/rlhf/stage.ts runs RL
// or DPO, each from the model it is given. src/pipeline/run.ts reads this table to load, resume or
// train a stage. Left out: the settings per profile (settings.ts).

import * as path from 'path';
import { assert } from '../util/assert';
import { PROJECT_ROOT } from '../util/project';
import { Profile } from '../profile';

/** Every stage of the pipeline, in the order they run. */
export const STAGES = ['tokenizer', 'base', 'sft', 'reward', 'reward-onpolicy', 'reward-practice', 'rlhf', 'dpo',
  'think-sft', 'think-verifier', 'encoder', 'openbook', 'sft-tools'] as const;
export type StageName = (typeof STAGES)[number];

/** One row of the table. */
export interface StageSpec {
  name: StageName;
  /** What it makes, in a few words. */
  what: string;
  /** The stage whose model it starts from (none for the tokenizer). */
  from?: StageName;
  /** The reward model it is paid by (RLHF). */
  reward?: StageName;
  /** The notebook that shows it. */
  notebook: string;
  /** Where its code lives (a newcomer's one hop from the notebook). */
  code: string;
}

export const PIPELINE: readonly StageSpec[] = [
  { name: 'tokenizer', what: "byte-level BPE on the task world's text",
    notebook: '04-sft', code: 'src/tokenizer/chat.ts' },
  { name: 'base', from: 'tokenizer', what: "a GPT pretrained on the world's documents",
    notebook: '04-sft', code: 'src/train/world.ts' },
  { name: 'sft', from: 'base', what: 'the base fine-tuned on conversations',
    notebook: '04-sft', code: 'src/sft/stage.ts' },
  { name: 'reward', from: 'sft', what: "a reward model on the labeler's templated comparisons",
    notebook: '05-reward-model', code: 'src/reward/stage.ts' },
  { name: 'reward-onpolicy', from: 'sft', what: "a reward model on comparisons of the SFT model's own replies",
    notebook: '06-rlhf', code: 'src/reward/onpolicy.ts' },
  { name: 'reward-practice', from: 'sft', what: 'the same, on the few questions RLHF practises',
    notebook: '06-rlhf', code: 'src/reward/onpolicy.ts' },
  { name: 'rlhf', from: 'sft', reward: 'reward-onpolicy', what: 'PPO (or GRPO) against the on-policy reward model',
    notebook: '06-rlhf', code: 'src/rlhf/stage.ts' },
  { name: 'dpo', from: 'sft', what: "DPO on the on-policy reward model's comparisons",
    notebook: '06-rlhf', code: 'src/rlhf/stage.ts' },
  { name: 'think-sft', from: 'base',
    what: 'the base fine-tuned on sums: direct / worked / filler answers, quality tags, checks',
    notebook: '07-think', code: 'src/think/stage.ts' },
  { name: 'think-verifier', from: 'think-sft', what: 'a verifier: right worked sums ranked above wrong ones',
    notebook: '07-think', code: 'src/think/stage.ts' },
  { name: 'encoder', from: 'base',
    what: 'a dense retrieval encoder, contrastive on (question, fact) pairs of training entities',
    notebook: '08-retrieval', code: 'src/retrieval/encoder.ts' },
  { name: 'openbook', from: 'sft', what: 'the SFT model fine-tuned to answer from passages in its context',
    notebook: '08-retrieval', code: 'src/retrieval/open-book-sft.ts' },
  { name: 'sft-tools', from: 'sft',
    what: 'the SFT model fine-tuned to call the calculator (tool output out of the loss)',
    notebook: '09-toolbox', code: 'src/tools/stage.ts' },
];

/**
 * A stage's row.
 *
 *   stageSpec('sft').from → 'base'
 */
export function stageSpec(name: StageName): StageSpec {
  const spec = PIPELINE.find((s) => s.name === name);
  assert(spec !== undefined, () => `stage '${name}' is not known; use one of: ${STAGES.join(', ')}`);
  return spec;
}

/**
 * The stages a stage starts from, nearest first.
 *
 *   ancestors('rlhf') → ['sft', 'base', 'tokenizer']
 */
export function ancestors(name: StageName): StageName[] {
  const out: StageName[] = [];
  for (let s = stageSpec(name).from; s !== undefined; s = stageSpec(s).from) out.push(s);
  return out;
}

/** The root of all stage directories: GPTLAB_RUNS_DIR, or <project>/runs. */
export function runsRoot(): string {
  const env = process.env.GPTLAB_RUNS_DIR;
  return env !== undefined && env.trim() !== '' ? path.resolve(env) : path.join(PROJECT_ROOT, 'runs');
}

/**
 * The directory of a stage for a profile (and a seed other than the profile's own, which runs in its
 * own tree so it never loads the first seed's models).
 *
 *   stageDir('sft', 'ci') → <runs>/ci/sft;  stageDir('sft', 'ci', 2) → <runs>/ci-seed2/sft
 */
export function stageDir(name: StageName, prof: Profile, seed?: number): string {
  return path.join(runsRoot(), seed === undefined ? prof : `${prof}-seed${seed}`, stageSpec(name).name);
}
