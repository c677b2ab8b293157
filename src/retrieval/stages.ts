// The two stages notebook 08 trains, for src/pipeline/run.ts: the contrastive encoder (from the base
// model) and the open-book model (from the SFT model), with their per-profile settings.

export * from './settings';
export * from './encoder';
export * from './open-book-sft';
