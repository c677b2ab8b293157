// Where the stages after pretraining keep their checkpoints, so each notebook (and CLI command) can
// pick up the model the one before it made: runs/<profile>/<stage> under the project root.
//
//   stageDir('sft')          → <project>/runs/full/sft   (GPTLAB_PROFILE unset)
//   stageDir('sft', 'ci')    → <project>/runs/ci/sft
//
// GPTLAB_RUNS_DIR moves the whole tree (tests point it at a temp directory). A stage that finds a
// finished checkpoint in its directory loads it instead of training again, so reruns are idempotent.
// Left out: what each stage trains (src/sft, src/reward, src/rlhf).

import * as path from 'path';
import { assert } from './util/assert';
import { PROJECT_ROOT } from './util/project';
import { Profile, profile } from './profile';

/** The pipeline's stages after pretraining on Tiny Shakespeare, in the talk's order (DPO beside RLHF). */
export const STAGES = ['base', 'sft', 'reward', 'rlhf', 'dpo'] as const;
export type Stage = (typeof STAGES)[number];

/** The root of all stage directories: GPTLAB_RUNS_DIR, or <project>/runs. */
export function runsRoot(): string {
  const env = process.env.GPTLAB_RUNS_DIR;
  return env !== undefined && env.trim() !== '' ? path.resolve(env) : path.join(PROJECT_ROOT, 'runs');
}

/** The checkpoint directory of a stage for a profile (default: the active one). */
export function stageDir(stage: Stage, prof: Profile = profile()): string {
  assert((STAGES as readonly string[]).includes(stage), () => `stage '${stage}' is not known; use one of: ${STAGES.join(', ')}`);
  return path.join(runsRoot(), prof, stage);
}
