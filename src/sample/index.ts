// Sampling from a GPT:
//
//   pick.ts       temperature, top-k, top-p and a seeded categorical draw
//   kvcache.ts    keys/values of earlier positions for incremental decoding, sliding past blockSize
//   generate.ts   the loop: prompt → tokens, with or without the cache
//   chat.ts       batched replies to chat prompts (and plain document completion), one seed per row
//   control.ts    the row hook: per row, logits masked or ids forced (tools, constrained decoding)

export * from './pick';
export * from './kvcache';
export * from './generate';
export * from './chat';
export * from './control';
