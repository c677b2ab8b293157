// Tool use: the per-row state machine the batched decoder calls (engine.ts), the fine-tuning data
// (data.ts), the sft-tools stage (stage.ts, settings.ts) and its measurements (eval.ts). The calculator itself
// lives with the task world (src/data/world/calculator.ts).

export * from './engine';
export * from './data';
export * from './settings';
export * from './stage';
export * from './eval';
