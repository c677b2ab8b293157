// Training a GPT:
//
//   schedule.ts    warmup + cosine learning rate
//   clip.ts        gradient clipping by global norm
//   adamw.ts       AdamW with decoupled weight decay on 2-D weights
//   checkpoint.ts  atomic checkpoints: safetensors weights and moments, state.json, latest.json
//   trainer.ts     the loop: accumulation, evaluation, checkpoints, onStep
//   pretrain.ts    char-level Tiny Shakespeare end to end: the CLI, the bench and the notebook call it
//   step.ts        one optimizer step for any loss (the stages after pretraining use it)
//   world.ts       pretraining on the task world: the base model of SFT, reward model and RLHF

export * from './schedule';
export * from './clip';
export * from './adamw';
export * from './checkpoint';
export * from './trainer';
export * from './pretrain';
export * from './step';
export * from './world';
