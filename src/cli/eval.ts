// `gpt-lab eval`: a think model (notebook 07) on held-out sums with one technique, as JSON.
//
//   gpt-lab eval --checkpoint runs/workshop/think-sft --task sums3 --technique vote --n 16
//   → { "task": "sums3", "technique": "vote", "n": 16, "accuracy": { "estimate": 0.41, "lower": 0.32, ... },
//       "correct": 41, "problems": 100, "tokensGenerated": 80312, "tokensPerProblem": 803.1, ... }
//   options: --format F, --temperature T, --seed S, --problems N, --scorer DIR (best-of), --backend B, --rows
// The sums a think-sft checkpoint trained on (its settings and seed are in its state.json) are left out.
// Left out: other tasks than sums (the facts of notebook 04 have their own scoring, `gpt-lab sft --eval`).

import * as fs from 'fs';
import { parseArgs, intOption } from './args';
import { initBackend, parseBackendName } from '../backend';
import { assert } from '../util/assert';
import { loadRewardStage, loadStageModel } from '../pipeline/load';
import { evaluateSums, rewardScorer, Technique, TECHNIQUES } from '../think/evaluate';
import { heldOutSums, SumMode } from '../think/sums';
import { thinkTrainingKeys, ThinkExtra } from '../think/stage';

const TASKS: Record<string, number> = { sums2: 2, sums3: 3, sums4: 4 };
const FORMATS = ['worked', 'direct', 'filler', 'good', 'bad', 'plain'] as const;

/** The prompt mode of a --format value. */
function modeOf(format: (typeof FORMATS)[number]): SumMode {
  if (format === 'good' || format === 'bad') return { kind: 'quality', tag: format };
  if (format === 'plain') return { kind: 'quality', tag: 'none' };
  return { kind: 'format', format };
}

function oneOf<T extends string>(raw: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  assert((choices as readonly string[]).includes(raw),
    () => `option --${name} must be one of ${choices.join(', ')}, got '${raw}'`);
  return raw as T;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv,
    ['checkpoint', 'task', 'technique', 'n', 'temperature', 'seed', 'format', 'problems', 'scorer', 'backend'],
    ['rows']);
  const o = args.options;
  assert(o.checkpoint !== undefined,
    () => 'option --checkpoint DIR is required (a think-sft stage directory, e.g. runs/workshop/think-sft)');
  assert(fs.existsSync(o.checkpoint),
    () => `--checkpoint ${o.checkpoint} does not exist; train it with notebook 07 or getStage('think-sft')`);
  const task = oneOf(o.task, 'task', Object.keys(TASKS), 'sums3');
  const technique: Technique = oneOf(o.technique, 'technique', TECHNIQUES, 'greedy');
  const format = oneOf(o.format, 'format', FORMATS, 'worked');
  const n = technique === 'greedy' ? 1 : intOption(args, 'n', 16, 1);
  const seed = intOption(args, 'seed', 1);
  const problems = intOption(args, 'problems', 100, 1);
  const temperature = technique === 'greedy' ? 0 : o.temperature === undefined ? 1 : Number(o.temperature);
  assert(Number.isFinite(temperature) && temperature >= 0 && temperature <= 10,
    () => `option --temperature must be a number in [0, 10], got '${o.temperature}'`);
  assert(technique !== 'best-of' || o.scorer !== undefined,
    () => 'best-of needs --scorer DIR (a verifier or reward model, e.g. runs/workshop/think-verifier)');
  if (o.scorer !== undefined) {
    assert(fs.existsSync(o.scorer),
      () => `--scorer ${o.scorer} does not exist; give a verifier or reward model directory`);
  }
  const backend = o.backend === undefined ? undefined : parseBackendName(o.backend, '--backend');
  await initBackend({ backend, source: '--backend' });

  const start = performance.now();
  const m = loadStageModel<Partial<ThinkExtra>>(o.checkpoint);
  const scorer = technique === 'best-of' ? loadRewardStage(o.scorer!) : undefined;
  try {
    const extra = m.state.extra;
    const trained = extra?.kind === 'think' && extra.settings !== undefined
      ? thinkTrainingKeys(m.tok, extra.settings, m.state.seed ?? 0)
      : new Set<string>();
    const sums = heldOutSums(TASKS[task], problems, seed, trained);
    const r = evaluateSums(m.model, m.tok, sums, {
      technique, n, temperature, seed, mode: modeOf(format), scorer: scorer && rewardScorer(scorer.rm, scorer.chat),
    });
    const correct = r.outcomes.reduce((s, x) => s + x, 0);
    const out = {
      checkpoint: o.checkpoint, task, technique, n, temperature, seed, format, problems,
      accuracy: {
        estimate: r.accuracy.estimate, lower: r.accuracy.lower, upper: r.accuracy.upper, level: r.accuracy.level,
      },
      correct, tokensGenerated: r.tokensGenerated, tokensPerProblem: r.tokensGenerated / problems,
      heldOutOf: trained.size > 0
        ? `${trained.size} training sums left out`
        : 'no training sums known (not a think-sft checkpoint)',
      seconds: (performance.now() - start) / 1000,
      ...(o.rows !== undefined ? {
        rows: sums.map((s, q) => ({
          a: s.a, b: s.b, outcome: r.outcomes[q],
          replies: r.attempts[q].map((x) => ({ text: x.text, tokens: x.tokens })),
        })),
      } : {}),
    };
    console.log(JSON.stringify(out, null, 2));
  } finally {
    m.model.dispose();
    scorer?.rm.dispose();
  }
  return 0;
}
