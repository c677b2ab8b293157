// Prompting techniques that work on any model, in reading order (notebook 07 wires them to models):
//
//   vote.ts        answer keys and majority vote (self-consistency), with its tie rule
//   pass-at-k.ts   the unbiased pass@k estimator, computed stably
//   best-of-n.ts   best-of-N by any scorer (reward model, verifier, oracle)
//   bootstrap.ts   percentile bootstrap intervals for an accuracy and a paired difference
//   few-shot.ts    document-shaped few-shot prompts for a base model, from the task world's tasks
//   compute.ts     tokens generated per technique, for comparisons at equal compute
//   sums.ts        notebook 07's data: sums answered direct / worked / filler, quality tags, checks
//   attempts.ts    many attempts at held-out sums, and each technique's outcome and tokens
//   self-check.ts  check-and-retry: keep the first attempt the model's own check calls right
//   stage.ts       the think model and its verifier (pipeline stages think-sft, think-verifier)
//   settings.ts    notebook 07's sizes per profile
//   report.ts      notebook 07's tables: intervals as text, accuracy by carries, ensembles by N
//   many.ts        sampling many things: distinct and novel names
//   evaluate.ts    one technique on held-out sums: accuracy with its interval, tokens generated (gpt-lab eval)

export * from './vote';
export * from './pass-at-k';
export * from './best-of-n';
export * from './bootstrap';
export * from './few-shot';
export * from './compute';
export * from './sums';
export * from './attempts';
export * from './self-check';
export * from './stage';
export * from './settings';
export * from './evaluate';
export * from './report';
export * from './many';
