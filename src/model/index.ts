// The GPT model, in reading order:
//
//   config.ts     GPTConfig, presets, parameter count and FLOPs per token
//   params.ts     the named tf.Variables and GPT-2's init
//   linear.ts     2-D matmul with a backward pass on the fast path
//   layernorm.ts  LayerNorm
//   dropout.ts    dropout with explicit, checkpointable seeds
//   attention.ts  causal multi-head self-attention (with an optional KV cache)
//   mlp.ts        GELU MLP
//   block.ts      a pre-LN transformer block
//   loss.ts       cross-entropy
//   gpt.ts        the whole model: embeddings, blocks, tied LM head
//   safetensors.ts  the weights file format

export * from './config';
export * from './params';
export * from './linear';
export * from './layernorm';
export * from './dropout';
export * from './attention';
export * from './mlp';
export * from './block';
export * from './loss';
export * from './gpt';
export * from './safetensors';
