// Low precision for frozen weights:
//
//   quantize.ts       per-row symmetric int8 / int4, packing, dequantize, sizes
//   quantized-gpt.ts  a frozen GPT on the dequantized weights, for LoRA on top (QLoRA in miniature)

export * from './quantize';
export * from './quantized-gpt';
