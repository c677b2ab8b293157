// The reward model (notebook 05, `gpt-lab reward`), in reading order:
//
//   model.ts   the GPT trunk plus a scalar head read at the <|reward|> token after the reply
//   loss.ts    Bradley-Terry: -log sigmoid(r_chosen - r_rejected), and pairwise accuracy
//   data.ts    the labeler's comparisons as (prompt, chosen, rejected), split by example index
//   train.ts   the loop: AdamW, warmup + cosine, clipping, held-out accuracy every few steps
//   stage.ts   the stage: an SFT model in, a reward model out, saved once (src/pipeline runs it and loads it)
//   inspect.ts accuracy by what separates a pair, and probe replies in every style
//   onpolicy.ts InstructGPT's data: comparisons of the SFT model's own replies (what RLHF uses)
//
// RLHF (src/rlhf) trains against the on-policy reward model (the pipeline's 'reward-onpolicy') and calls
// `RewardModel.score` to reward its samples.

export * from './model';
export * from './loss';
export * from './data';
export * from './train';
export * from './stage';
export * from './inspect';
export * from './onpolicy';
