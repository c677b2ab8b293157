// Lesson 6 of prompting techniques: compare techniques at equal compute.
//
// Voting over 16 samples beats one greedy reply, but it also generates 16 times the tokens. A fair
// comparison charges each technique for what it generated (the cost that grows with N; the prompt
// is shared and, with a KV cache, read once per sample) and compares accuracy at equal tokens.
// The ledger records tokens per technique and per question; `samplesForBudget` says how many
// samples of a technique fit a token budget measured on another.
//
// Left out: prompt tokens (recorded, but not in the equal-compute comparison) and FLOPs (tokens times
// the model's flopsPerToken, which is the same factor for every technique of one model).

import { assert } from '../util/assert';

/** What one technique spent. */
export interface Spend {
  /** Questions answered. */
  questions: number;
  /** Model calls (samples, checks, retries). */
  calls: number;
  /** Tokens generated, over all calls. */
  generated: number;
  /** Prompt tokens read, over all calls. */
  prompt: number;
  /** generated / questions. */
  generatedPerQuestion: number;
}

/** Tokens spent by each technique, question by question. */
export class ComputeLedger {
  private readonly spend =
    new Map<string, { questions: Set<string>; calls: number; generated: number; prompt: number }>();

  /**
   * Records one model call of a technique on a question.
   *
   *   ledger.record('vote@4', 'q7', { generated: 40, prompt: 12 })
   */
  record(technique: string, question: string, tokens: { generated: number; prompt?: number }): void {
    const prompt = tokens.prompt ?? 0;
    assert(Number.isInteger(tokens.generated) && tokens.generated >= 0 && Number.isInteger(prompt) && prompt >= 0,
      () => 'ComputeLedger.record: token counts must be non-negative integers, ' +
        `got generated=${tokens.generated}, prompt=${prompt}`);
    const s = this.spend.get(technique) ?? { questions: new Set<string>(), calls: 0, generated: 0, prompt: 0 };
    s.questions.add(question);
    s.calls += 1;
    s.generated += tokens.generated;
    s.prompt += prompt;
    this.spend.set(technique, s);
  }

  /**
   * What a technique spent.
   *
   *   after record('vote@2', 'q1', {generated: 10}), record('vote@2', 'q1', {generated: 14}),
   *     record('vote@2', 'q2', {generated: 6}):
   *   ledger.of('vote@2') → { questions: 2, calls: 3, generated: 30, prompt: 0, generatedPerQuestion: 15 }
   */
  of(technique: string): Spend {
    const s = this.spend.get(technique);
    assert(s !== undefined,
      () => `ComputeLedger: nothing recorded for '${technique}'; ` +
        `recorded: ${[...this.spend.keys()].join(', ') || 'none'}`);
    const questions = s.questions.size;
    return {
      questions, calls: s.calls, generated: s.generated, prompt: s.prompt,
      generatedPerQuestion: s.generated / questions,
    };
  }

  /** Every technique's spend, in the order first recorded. */
  table(): Record<string, Spend> {
    return Object.fromEntries([...this.spend.keys()].map((t) => [t, this.of(t)]));
  }

  /**
   * Generated tokens per question of a technique relative to a reference technique.
   *
   *   ledger.relative('vote@16', 'greedy') → ≈ 16 when every sample is as long as the greedy reply
   */
  relative(technique: string, reference: string): number {
    return this.of(technique).generatedPerQuestion / this.of(reference).generatedPerQuestion;
  }
}

/**
 * How many samples of `tokensPerSample` tokens fit a per-question budget (at least 1).
 *
 *   samplesForBudget(25, 100) → 4;  samplesForBudget(30, 100) → 3;  samplesForBudget(300, 100) → 1
 */
export function samplesForBudget(tokensPerSample: number, budget: number): number {
  assert(tokensPerSample > 0 && budget > 0,
    () => `samplesForBudget: need positive tokens per sample and budget, got ${tokensPerSample} and ${budget}`);
  return Math.max(1, Math.floor(budget / tokensPerSample));
}
