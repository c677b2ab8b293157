// Errors a learner can act on.
//
// Every check in gpt-lab fails through `assert`, with a message that names the offending value and,
// where there is one, the fix. `GptLabError` marks errors that are the user's to fix (bad input, a
// missing package): the CLI prints their message alone, without a stack trace from deep inside tfjs.

/** An error the user can fix; the CLI prints its message without a stack trace. */
export class GptLabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GptLabError';
  }
}

/**
 * Throws a GptLabError with `message()` unless `cond` holds. The message is built lazily, so checks on
 * hot paths cost nothing when they pass.
 *
 *   assert(nEmbd % nHead === 0, () => `nEmbd (${nEmbd}) must be divisible by nHead (${nHead})`)
 */
export function assert(cond: unknown, message: () => string): asserts cond {
  if (!cond) throw new GptLabError(message());
}
