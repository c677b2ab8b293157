// Sampling from a GPT:
//
//   pick.ts       temperature, top-k, top-p and a seeded categorical draw
//   kvcache.ts    keys/values of earlier positions for incremental decoding, sliding past blockSize
//   generate.ts   the loop: prompt → tokens, with or without the cache

export * from './pick';
export * from './kvcache';
export * from './generate';
