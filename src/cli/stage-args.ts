// The options the stage commands (sft, reward, rlhf) share: no positional arguments, --profile,
// --backend, --steps and --seed, each checked with a message that names the value.

import { ParsedArgs, intOption } from './args';
import { BackendName, parseBackendName } from '../backend';
import { assert } from '../util/assert';
import { Profile, profile, PROFILES } from '../profile';

export interface StageArgs {
  /** --profile, else the active profile (GPTLAB_PROFILE). */
  profile: Profile;
  /** --backend, if given. */
  backend?: BackendName;
  /** --steps, if given (a positive integer). */
  steps?: number;
  /** --seed, if given (an integer): the stage's init and data order; its runs go to runs/<profile>-seed<N>/. */
  seed?: number;
}

/**
 * Checks and reads the shared options of `gpt-lab <command>`.
 *
 *   stageArgs(parseArgs(['--profile', 'ci', '--steps', '5'], ...), 'sft')
 *     → { profile: 'ci', backend: undefined, steps: 5 }
 */
export function stageArgs(args: ParsedArgs, command: string): StageArgs {
  const o = args.options;
  assert(args.positional.length === 0,
    () => `gpt-lab ${command} takes no positional arguments (got '${args.positional.join(' ')}'); ` +
      `use --from DIR and --out DIR`);
  assert(o.profile === undefined || (PROFILES as readonly string[]).includes(o.profile),
    () => `--profile '${o.profile}' is not a profile; use one of: ${PROFILES.join(', ')}`);
  const backend = o.backend === undefined ? undefined : parseBackendName(o.backend, '--backend');
  const steps = o.steps === undefined ? undefined : intOption(args, 'steps');
  assert(steps === undefined || steps > 0, () => `--steps must be a positive integer, got ${steps}`);
  const seed = o.seed === undefined ? undefined : intOption(args, 'seed');
  return {
    profile: (o.profile as Profile | undefined) ?? profile(), backend, steps, ...(seed !== undefined ? { seed } : {}),
  };
}
