// Low-rank adapters on a frozen GPT:
//
//   lora.ts  adapters (A small random, B zero, alpha / r), the model with them, merging, counts
//   io.ts    adapters as their own small safetensors file
//   finetune.ts  one run (a rank or every weight, one learning rate) on a new format: JSON answers
//
// Training with a frozen base whose weights are quantized: src/quant/.

export * from './lora';
export * from './io';
export * from './finetune';
