// gpt-lab's data pipeline, in lesson order:
//
//   datasets.ts      the registry: URL, size and sha256 of each file
//   download.ts      fetch once (cache, mirror, URL), verify, write atomically
//   shakespeare.ts   Tiny Shakespeare: char vocabulary and nanoGPT's 90/10 split
//   stream.ts        documents → one typed-array token stream, joined by <|endoftext|>
//   rng.ts           seeded randomness (mulberry32) and index-addressable seeds
//   batch.ts         B x T batches: random offsets or shuffled epochs, with per-cell document ids
//   tensors.ts       batches → tfjs int32 tensors
//   conversation.ts  conversations (a typed union) → ids and loss mask
//   padding.ts       variable-length examples → padded batches with attention and loss masks
//   char-tokenizer.ts  one id per character plus <|endoftext|> and chat tokens: batches that read as text
//   world/           the generated world and its tasks:
//     world.ts         towns, people, animals with invented names
//     answers.ts       scoring free-text replies ('####', last number, words)
//     facts.ts         the fact table: sentence, question and expected answer of each fact
//     task.ts          the Task interface: example(i), evaluate, reward
//     arithmetic.ts    multi-digit arithmetic with worked steps (chain of thought)
//     calculator.ts    a safe calculator tool and problems that need it
//     documents.ts     the document store and the pretraining corpus
//     questions.ts     closed-book facts and open-book retrieval questions
//     open-book.ts     retrieval questions with several passages, framed by the passage tokens
//     sft.ts           the SFT mixture
//     labeler.ts       rule-based preferences for reward modeling and RLHF
//     splits.ts        every split of the questions the stages use (SFT, evaluation, reward models, RLHF)

export * from './datasets';
export * from './download';
export * from './shakespeare';
export * from './stream';
export * from './rng';
export * from './batch';
export * from './tensors';
export * from './conversation';
export * from './padding';
export * from './char-tokenizer';
export * from './world/world';
export * from './world/answers';
export * from './world/facts';
export * from './world/task';
export * from './world/arithmetic';
export * from './world/calculator';
export * from './world/documents';
export * from './world/questions';
export * from './world/open-book';
export * from './world/sft';
export * from './world/labeler';
export * from './world/splits';
