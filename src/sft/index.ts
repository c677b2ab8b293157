// Supervised finetuning: from a document completer to an assistant, in lesson order.
//
//   loss.ts      the masked loss: only the assistant's tokens count
//   data.ts      conversations rendered and padded into batches, in epochs
//   eval.ts      replies (sampled in src/sample/chat.ts) scored by the tasks' own checker
//   train.ts     the fine-tuning loop (AdamW, schedule, clipping, checkpoints)
//   stage.ts     the SFT stage: a base model in, the fine-tuned model out (src/pipeline runs it)
//   compare.ts   base against SFT on held-out questions

export * from './loss';
export * from './data';
export * from './eval';
export * from './train';
export * from './stage';
export * from './compare';
