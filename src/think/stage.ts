// Lesson 10 of prompting techniques: the two models notebook 07 trains.
//
//   base → think-sft       the base fine-tuned on the think mixture (sums.ts): direct / worked / filler
//                          answers selected by a reserved token, quality-tagged worked solutions, checks
//   think-sft → think-verifier   a reward-style model (trunk + head at <|reward|>) trained by Bradley-Terry
//                          to rank a correct worked solution above a wrong one of the same sum
//
// The verifier's wrong solutions are made, not sampled: half slip one column (sums.ts's flawedSteps),
// half work every column right and then copy the answer wrong by one in a digit. It never sees the
// model's own mistakes, which is cheaper (no sampling) and is its limit: it ranks the model's attempts
// only as far as their mistakes look like these.
// src/pipeline/run.ts decides whether to train (load → stage → save); the sizes of each profile are in
// settings.ts. Left out: resuming an interrupted run (these runs are short; a rerun starts over).

import { assert } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { RenderedConversation, user } from '../data/conversation';
import { Rng, hashSeed, hashString } from '../data/rng';
import { addSteps, arithmeticExample, Worked } from '../data/world/arithmetic';
import { ChatModel } from '../sample/chat';
import { StageSave, TrainedModel, TrainHooks } from '../train/world';
import { makeSftTrainConfig, SftTrainConfig, SftTrainer } from '../sft/train';
import { PreferencePair, PreferenceSplits } from '../reward/data';
import { RewardTrainConfig } from '../reward/train';
import { rewardSequence, RewardTokens } from '../reward/model';
import { drawSum, flawedSteps, Sum, sumQuestion, ThinkDataConfig, thinkExample } from './sums';

/** The think model's data and training. */
export interface ThinkSftSettings {
  /** Training conversations drawn from the mixture. */
  examples: number;
  /** Validation conversations (another seed). */
  valExamples: number;
  data: ThinkDataConfig;
  train: Partial<SftTrainConfig>;
}

/** The verifier's comparisons and training. */
export interface VerifierSettings {
  pairs: { train: number; heldOut: number };
  /** Operand digits of its sums. */
  digits: readonly number[];
  headSeed: number;
  train: Partial<RewardTrainConfig>;
}

/** What think-sft records in state.extra. */
export interface ThinkExtra {
  done: boolean;
  kind: 'think';
  from: string;
  seconds?: number;
  examples?: number;
  settings?: ThinkSftSettings;
}

/** The key of a sum, for leaving training sums out of evaluation: sumKey({ a: 12, b: 34 }) → '12+34' */
export function sumKey(s: Sum): string {
  return `${s.a}+${s.b}`;
}

/**
 * The rendered mixture: training examples from `seed`, validation from seed + 1000, and the keys of
 * every training sum (held-out sums avoid them). Examples longer than blockSize are dropped.
 *
 *   thinkData(tok, 256, settings, 0).train.length → settings.examples
 */
export function thinkData(tok: ChatTokenizer, blockSize: number, s: ThinkSftSettings, seed: number):
  { train: RenderedConversation[]; val: RenderedConversation[]; keys: Set<string> } {
  const keys = new Set<string>();
  const take = (n: number, sd: number, record: boolean) => {
    const out: RenderedConversation[] = [];
    for (let i = 0; i < n; i++) {
      const ex = thinkExample(tok, s.data, sd, i);
      if (record) keys.add(sumKey(ex));
      if (ex.rendered.ids.length - 1 <= blockSize) out.push(ex.rendered);
    }
    assert(out.length > 0, () => `no think example fits a context of ${blockSize} tokens; raise blockSize`);
    return out;
  };
  return { train: take(s.examples, seed, true), val: take(s.valExamples, seed + 1000, false), keys };
}

/** The keys of the training sums of a think-sft run (its settings and seed), without rendering. */
export function thinkTrainingKeys(tok: ChatTokenizer, s: ThinkSftSettings, seed: number): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < s.examples; i++) keys.add(sumKey(thinkExample(tok, s.data, seed, i)));
  return keys;
}

/**
 * Fine-tunes `base.model` in place on the think mixture and saves it once into save.dir (stage 'sft',
 * extra.kind 'think').
 */
export async function trainThinkSft(base: ChatModel, settings: ThinkSftSettings, save: StageSave,
  opts: TrainHooks & { from: string; seed: number }): Promise<TrainedModel & { examples: number }> {
  const data = thinkData(base.tok, base.model.config.blockSize, settings, opts.seed);
  const config = makeSftTrainConfig({ ...settings.train, seed: opts.seed });
  const trainer = new SftTrainer(base.model, base.tok, { train: data.train, val: data.val }, config);
  opts.onStart?.({ model: base.model, steps: config.maxSteps, resumedFrom: 0 });
  const record = { ...save.record, stage: 'sft' as const };
  const start = performance.now();
  const last = await trainer.run({ onStep: opts.onStep, onEval: opts.onEval, saveAtEnd: false });
  const extra: ThinkExtra = {
    done: true, kind: 'think', from: opts.from, seconds: (performance.now() - start) / 1000,
    examples: data.train.length, settings,
  };
  const { state } = trainer.save(
    save.dir, { ...record, extra: { ...extra } }, { trainLoss: last.trainLoss, valLoss: last.valLoss });
  trainer.optimizer.dispose();
  return { model: base.model, state, examples: data.train.length };
}

/** The worked reply text of a solution: steps, then '#### result'. */
export function workedText(w: Worked): string {
  return `${w.steps.join('\n')}\n#### ${w.result}`;
}

/**
 * A wrong solution for the verifier: a slipped column, or every column right and the answer copied
 * wrong (one digit off by one).
 *
 *   wrongSolution(347, 85, rng) → '7+5=12, ...\n#### 442' (say)
 */
export function wrongSolution(a: number, b: number, rng: Rng): string {
  if (rng.chance(0.5)) return workedText(flawedSteps(a, b, rng));
  const right = addSteps(a, b);
  const digits = String(right.result).length;
  const column = rng.int(0, digits);
  const digit = Math.floor(right.result / 10 ** column) % 10;
  const delta = digit === 0 ? 1 : digit === 9 ? -1 : rng.pick([-1, 1]);
  // subtle: never drop the leading digit to 0 (that would be a shorter number, an easy tell)
  const safe = column === digits - 1 && digit === 1 && delta === -1 ? 1 : delta;
  return workedText({ steps: right.steps, result: right.result + safe * 10 ** column });
}

/**
 * The verifier's comparisons: a correct worked solution (chosen) against a wrong one (rejected) of the
 * same sum, asked as a plain question; held-out pairs come from another seed. Pairs whose sequences do
 * not fit blockSize are skipped.
 */
export function verifierPairs(
  chat: RewardTokens, blockSize: number, s: VerifierSettings, seed: number,
): PreferenceSplits {
  const make = (count: number, sd: number): PreferencePair[] => {
    const rng = new Rng(hashSeed(sd, hashString('verifier')));
    const out: PreferencePair[] = [];
    for (let i = 0; out.length < count && i < 4 * count; i++) {
      const sum = drawSum(rng, rng.pick(s.digits));
      const source = arithmeticExample(sum.a, '+', sum.b, i);
      const prompt = { messages: [user(sumQuestion(sum))] };
      const chosen = workedText(addSteps(sum.a, sum.b));
      const rejected = wrongSolution(sum.a, sum.b, rng);
      if (rewardSequence(chat, prompt, chosen).length > blockSize
        || rewardSequence(chat, prompt, rejected).length > blockSize) continue;
      out.push({
        index: i, prompt, chosen, rejected, chosenScore: 1, rejectedScore: 0,
        chosenCorrect: true, rejectedCorrect: false, source,
      });
    }
    return out;
  };
  return { train: make(s.pairs.train, seed), heldOut: make(s.pairs.heldOut, seed + 1000) };
}

/** The prompt conversation a verifier scores an attempt at a sum with. */
export function verifierPrompt(s: Sum): { messages: ReturnType<typeof user>[] } {
  return { messages: [user(sumQuestion(s))] };
}
