// Lesson 8 of retrieval: putting the retrieved chunks in the prompt, as many as fit.
//
// The open-book format is the task world's own (src/data/world/documents.ts, contextPrompt): one
// 'Document: ...' line per passage, then 'Question: ...', the form the chat model is fine-tuned on.
// The context is short (256 tokens for the lab's chat models), so the best-ranked chunks go in
// first and the first one that would overflow the budget stops the list: bigger chunks mean fewer
// passages, the trade-off notebook 08 measures.
//
// Left out: reordering passages (the right one's position is measured in the notebook, not tuned).

import { assert } from '../util/assert';
import { contextPrompt } from '../data/world/documents';
import { Chunk } from './chunk';

/**
 * The user message for retrieved chunks and a question.
 *
 *   ragPrompt([{ id: 'town-0/region', docId: 'town-0', text: 'Dusem is in the north.', ... }], 'Where is Dusem?')
 *     → 'Document: Dusem is in the north.\nQuestion: Where is Dusem?'
 */
export function ragPrompt(chunks: readonly Pick<Chunk, 'id' | 'docId' | 'text'>[], question: string): string {
  return contextPrompt(chunks.map((c) => ({ id: c.id, title: c.docId, text: c.text })), question);
}

/**
 * The prompt with the best-ranked chunks that fit `maxTokens` (as counted by `count`), in rank
 * order, and the chunks used; none fit gives the closed-book question alone.
 *
 *   fitPrompt(ranked, 'Where is Dusem?', (s) => tok.encode(s).length, 200)
 *     → { prompt, used: [the first few of ranked] }
 */
export function fitPrompt<C extends Pick<Chunk, 'id' | 'docId' | 'text'>>(
  ranked: readonly C[], question: string, count: (text: string) => number, maxTokens: number,
): { prompt: string; used: C[] } {
  const bare = ragPrompt([], question);
  assert(count(bare) <= maxTokens,
    () => `fitPrompt: the question alone takes ${count(bare)} tokens, over the budget of ${maxTokens}`);
  const used: C[] = [];
  for (const c of ranked) {
    if (count(ragPrompt([...used, c], question)) > maxTokens) break;
    used.push(c);
  }
  return { prompt: ragPrompt(used, question), used };
}
