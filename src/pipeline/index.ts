// The pipeline, in reading order:
//
//   table.ts     the stages, which starts from which, where each keeps its model
//   settings.ts  every stage's settings per profile (ci, workshop, full)
//   load.ts      a stage's model from its directory (weights + the tokenizer file it carries)
//   fingerprint.ts  a short hash of a stage's settings, recorded in its checkpoint and checked on load
//   run.ts       getStage: load, resume or train, save once

export * from './table';
export * from './settings';
export * from './load';
export * from './fingerprint';
export * from './run';
