// Supervised finetuning: from a document completer to an assistant, in lesson order.
//
//   loss.ts      the masked loss: only the assistant's tokens count
//   data.ts      conversations rendered and padded into batches, in epochs
//   generate.ts  batched replies to chat prompts (and plain document completion)
//   eval.ts      replies scored by the tasks' own checker
//   train.ts     the fine-tuning loop (AdamW, schedule, clipping, checkpoints)
//   stages.ts    ensureBase / ensureSft: load or train the stage models of a profile
//   compare.ts   base against SFT on held-out questions

export * from './loss';
export * from './data';
export * from './generate';
export * from './eval';
export * from './train';
export * from './stages';
export * from './compare';
