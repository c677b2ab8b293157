// Tool use: the per-row state machine the batched decoder calls (engine.ts). The calculator itself
// lives with the task world (src/data/world/calculator.ts).

export * from './engine';
