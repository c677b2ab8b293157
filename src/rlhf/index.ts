// RLHF and DPO, in lesson order:
//
//   rollout.ts  batched sampling with a KV cache; per-token log-probs under the policy and the reference
//   ppo.ts      advantages (group-relative, whitened), the clipped surrogate, KL estimators k1 / k3
//   metrics.ts  reply text, distinct-n
//   rl.ts       the RL loop (PPO and GRPO-style), evaluation on held-out prompts
//   dpo.ts      DPO: the loss, preference pairs as ids, the training loop
//   stage.ts    the RLHF and DPO stages: the SFT model in, a policy out, saved once (src/pipeline runs them)
//   practice.ts the practice run's settings: RLHF on the questions its reward model learned
//   report.ts   curves of several runs, a comparison table

export * from './rollout';
export * from './ppo';
export * from './metrics';
export * from './rl';
export * from './dpo';
export * from './stage';
export * from './report';
export * from './practice';
