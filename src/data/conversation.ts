// Lesson 7 of the data pipeline: conversations, the data of every stage after pretraining.
//
// A conversation is a list of messages; an assistant message is a list of parts, because an
// assistant that uses tools writes text, calls a tool, reads its result and writes more text, all in
// one turn. `renderConversation` turns a conversation into token ids and a loss mask: 1 where the
// assistant is trained (its text, its tool calls, the token that ends its turn), 0 everywhere else
// (the user's words, tool results, the special tokens that frame them). That mask is SFT in one line.
//
// Left out: the tokenizer and its special tokens (pass their ids in `ChatTokens`), and batching
// (src/data/padding.ts pads rendered conversations into a batch).

import { assert } from '../util/assert';

/** The tools an assistant may call. */
export type ToolName = 'calculator';

/** One piece of an assistant's turn. */
export type AssistantPart =
  | { kind: 'text'; text: string }
  | { kind: 'toolCall'; tool: ToolName; input: string }
  | { kind: 'toolResult'; tool: ToolName; output: string };

/** One message. */
export type Message =
  | { role: 'system'; text: string }
  | { role: 'user'; text: string }
  | { role: 'assistant'; parts: AssistantPart[] };

/** A conversation: an optional system message, then user and assistant messages taking turns. */
export interface Conversation {
  messages: Message[];
}

/** The ids of the chat's special tokens, and the encoder for plain text. */
export interface ChatTokens {
  /** Encodes plain text; it must never produce the special ids below. */
  encode: (text: string) => number[];
  /** Starts every rendered conversation. */
  bos: number;
  userStart: number;
  userEnd: number;
  assistantStart: number;
  assistantEnd: number;
  /** Frame a tool call the assistant writes (trained). */
  toolStart: number;
  toolEnd: number;
  /** Frame a tool's output, written by the tool, not the model (not trained). */
  outputStart: number;
  outputEnd: number;
}

/** Token ids and the loss mask (1 = trained), of equal length. */
export interface RenderedConversation {
  ids: number[];
  mask: number[];
}

// Small builders, so examples read like the conversation they hold.

/** user('Hi') → { role: 'user', text: 'Hi' } */
export function user(text: string): Message {
  return { role: 'user', text };
}

/** assistant(say('Hello.')) → { role: 'assistant', parts: [{ kind: 'text', text: 'Hello.' }] } */
export function assistant(...parts: AssistantPart[]): Message {
  return { role: 'assistant', parts };
}

/** say('Hello.') → { kind: 'text', text: 'Hello.' } */
export function say(text: string): AssistantPart {
  return { kind: 'text', text };
}

/** callTool('calculator', '12*3') → { kind: 'toolCall', tool: 'calculator', input: '12*3' } */
export function callTool(tool: ToolName, input: string): AssistantPart {
  return { kind: 'toolCall', tool, input };
}

/** toolResult('calculator', '36') → { kind: 'toolResult', tool: 'calculator', output: '36' } */
export function toolResult(tool: ToolName, output: string): AssistantPart {
  return { kind: 'toolResult', tool, output };
}

/**
 * The text an assistant message shows a reader: its text parts joined (tool traffic left out).
 *
 *   assistantText(assistant(say('It is '), callTool('calculator', '2+2'), toolResult('calculator', '4'), say('4.')))
 *     → 'It is 4.'
 */
export function assistantText(message: Message): string {
  assert(message.role === 'assistant',
    () => `assistantText: expected an assistant message, got role '${message.role}'`);
  return message.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('');
}

/**
 * The conversation without its final assistant message: what a model is given to answer.
 *
 *   promptOf({ messages: [user('Hi'), assistant(say('Hello.'))] }) → { messages: [user('Hi')] }
 */
export function promptOf(conv: Conversation): Conversation {
  const last = conv.messages[conv.messages.length - 1];
  assert(last?.role === 'assistant',
    () => `promptOf: the conversation must end with an assistant message, ` +
      `but it ends with '${last?.role ?? 'nothing'}'`);
  return { messages: conv.messages.slice(0, -1) };
}

/** Checks the turn order: optional system first, then user, assistant, user, ... */
export function checkConversation(conv: Conversation): void {
  const msgs = conv.messages;
  const start = msgs[0]?.role === 'system' ? 1 : 0;
  assert(msgs.length > start, () => 'conversation: it has no user message; start with user(...)');
  for (let i = start; i < msgs.length; i++) {
    const want = (i - start) % 2 === 0 ? 'user' : 'assistant';
    assert(msgs[i].role === want,
      () => `conversation: message ${i} has role '${msgs[i].role}' where '${want}' was expected; ` +
        `a system message may only come first, then user and assistant take turns`);
  }
}

/**
 * Token ids and loss mask of a whole conversation. A system message is folded into the first user
 * message (joined by a blank line), as nanochat does, so models need no system token.
 *
 *   with encode = char codes, bos 1, userStart 2, userEnd 3, assistantStart 4, assistantEnd 5:
 *   renderConversation({ messages: [user('hi'), assistant(say('yo'))] }, chat)
 *     → ids  [1, 2, 104, 105, 3, 4, 121, 111, 5]
 *       mask [0, 0, 0,   0,   0, 0, 1,   1,   1]
 */
export function renderConversation(conv: Conversation, chat: ChatTokens): RenderedConversation {
  checkConversation(conv);
  const ids: number[] = [];
  const mask: number[] = [];
  const add = (tokens: number[], m: number) => {
    for (const t of tokens) {
      ids.push(t);
      mask.push(m);
    }
  };
  add([chat.bos], 0);
  let system = '';
  for (const msg of conv.messages) {
    if (msg.role === 'system') {
      system = msg.text + '\n\n';
    } else if (msg.role === 'user') {
      add([chat.userStart, ...chat.encode(system + msg.text), chat.userEnd], 0);
      system = '';
    } else {
      add([chat.assistantStart], 0); // given to the model as the cue to answer, not predicted
      for (const part of msg.parts) {
        if (part.kind === 'text') add(chat.encode(part.text), 1);
        else if (part.kind === 'toolCall') add([chat.toolStart, ...chat.encode(part.input), chat.toolEnd], 1);
        else add([chat.outputStart, ...chat.encode(part.output), chat.outputEnd], 0); // the tool wrote it
      }
      add([chat.assistantEnd], 1); // trained, so the model learns to stop
    }
  }
  return { ids, mask };
}

/**
 * The ids a model is given to write the final assistant message: the prompt, then assistantStart.
 *
 *   renderPrompt({ messages: [user('hi'), assistant(say('yo'))] }, chat) → [1, 2, 104, 105, 3, 4]
 */
export function renderPrompt(conv: Conversation, chat: ChatTokens): number[] {
  const { ids } = renderConversation(promptOf(conv), chat);
  return [...ids, chat.assistantStart];
}
