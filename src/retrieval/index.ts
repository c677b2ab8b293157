// Retrieval, in reading order (notebook 08 wires it to the models):
//
//   chunk.ts         one fact, one document, or overlapping word windows per chunk; fact spans
//   bm25.ts          BM25 over chunks (MiniSearch's index, textbook scores)
//   recall.ts        recall@k and reciprocal-rank fusion
//   vector-index.ts  exact cosine search as one matmul; saved with the encoder that built it
//   contrastive.ts   the in-batch-negatives (InfoNCE) loss for training an encoder
//   embed.ts         mean-pooled hidden states of the lab's GPT: the untrained baseline encoder
//   questions.ts     questions about held-out facts, literal and paraphrased
//   prompt.ts        retrieved chunks in the open-book prompt, as many as fit the context
//   settings.ts      notebook 08's settings per profile (encoder, open-book fine-tuning, evaluation)
//   encoder.ts       the dense encoder trained with InfoNCE on training entities' (question, fact) pairs
//   open-book-sft.ts the chat model fine-tuned to answer from passages among distractors
//   rag.ts           retrievers (BM25, dense, hybrid), answer ranks, answers from passages end to end
//   rag-index.ts     an index directory on disk for `gpt-lab rag index` / `rag ask`

export * from './chunk';
export * from './bm25';
export * from './recall';
export * from './vector-index';
export * from './contrastive';
export * from './embed';
export * from './questions';
export * from './prompt';
export * from './settings';
export * from './encoder';
export * from './open-book-sft';
export * from './rag';
export * from './rag-index';
export * from './report';
