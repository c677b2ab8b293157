// Lesson 16b of the data pipeline: an open-book question with its passages framed by special tokens.
//
// retrievalTask (questions.ts) writes the retrieved documents into the user's text ('Document: ...').
// With the chat tokenizer's reserved tokens a passage can instead be framed by ids the user cannot
// type, <|passage_start|> and <|passage_end|>, so a model can tell retrieved text from the question
// (and a passage cannot pose as the user). This file renders such a prompt and its reply:
//
//   <|bos|><|user_start|><|passage_start|>Rekol is a weaver. ...<|passage_end|> ... (more passages)
//   Question: What is the job of Rekol?<|user_end|><|assistant_start|>Rekol is a weaver.<|assistant_end|>
//
// with the loss mask on the reply and <|assistant_end|>, as renderConversation does.
//
// Left out: the retriever (notebook 08 grows this: keyword overlap, then embeddings), and passages in
// later turns.

import { assert } from '../../util/assert';
import { ChatTokenizer } from '../char-tokenizer';
import { RenderedConversation, user } from '../conversation';
import { Rng, hashSeed, hashString } from '../rng';
import { Doc, contextPrompt, documentStore } from './documents';
import { FactExample, FactsConfig, retrievalTask } from './questions';
import { Task } from './task';
import { World } from './world';

/** A retrieval question with the passages placed before it. */
export interface OpenBookExample extends FactExample {
  /** The supporting document and the others, shuffled. */
  passages: Doc[];
}

/**
 * Open-book questions about held-out entities, each with `passages` passages: the supporting document
 * and passages - 1 others drawn from the store. The conversation keeps retrievalTask's text form, so a
 * tokenizer without passage tokens can still render it.
 *
 *   openBookTask(makeWorld(), { size: 10 }, 3).example(0).passages.length → 3
 */
export function openBookTask(world: World, config: Partial<FactsConfig> = {}, passages = 3): Task<OpenBookExample> {
  assert(Number.isInteger(passages) && passages >= 1,
    () => `openBookTask: passages ${passages} must be a positive integer`);
  const base = retrievalTask(world, { ...config, distractors: 0 });
  const store = documentStore(world);
  assert(passages <= store.length,
    () => `openBookTask: ${passages} passages, but the store holds ${store.length} documents`);
  const seed = config.seed ?? world.config.seed;
  return {
    ...base,
    example(i: number): OpenBookExample {
      const ex = base.example(i);
      const rng = new Rng(hashSeed(seed, hashString('open-book'), i));
      const support = store.find((d) => d.id === ex.docId)!;
      const others = rng.shuffle(store.filter((d) => d.id !== ex.docId)).slice(0, passages - 1);
      const docs = rng.shuffle([support, ...others]);
      const conversation = { messages: [user(contextPrompt(docs, ex.question)), ex.conversation.messages[1]] };
      return { ...ex, passages: docs, conversation };
    },
  };
}

/**
 * Renders passages, a question and (optionally) the reply with the passage tokens; the mask is 1 on
 * the reply and <|assistant_end|>. Without a reply it ends with <|assistant_start|>: the prompt a
 * model is given.
 *
 *   renderOpenBook(tok, [doc], 'Where is Dusem?', 'Dusem is in the north.').ids
 *     → [bos, user_start, passage_start, ...doc, passage_end, ...'Question: Where is Dusem?', user_end,
 *        assistant_start, ...'Dusem is in the north.', assistant_end]
 */
export function renderOpenBook(
  tok: ChatTokenizer, passages: readonly Doc[], question: string, reply?: string,
): RenderedConversation {
  const s = (name: string) => tok.special(name);
  const ids: number[] = [s('<|bos|>'), s('<|user_start|>')];
  for (const p of passages) ids.push(s('<|passage_start|>'), ...tok.encode(p.text), s('<|passage_end|>'));
  ids.push(...tok.encode(`Question: ${question}`), s('<|user_end|>'), s('<|assistant_start|>'));
  const mask = ids.map(() => 0);
  if (reply !== undefined) {
    const answer = [...tok.encode(reply), s('<|assistant_end|>')];
    ids.push(...answer);
    mask.push(...answer.map(() => 1));
  }
  return { ids, mask };
}
