// Token boundaries made visible, the way OpenAI's tokenizer page shows them: every token a <span>
// with its own pastel background, whitespace drawn as a visible mark, the id in the tooltip.
//
// The subtle part is that a byte-level token need not be text. GPT-2 spends two tokens on '你'
// (bytes E4 BD | A0) and cl100k two on '😀' (F0 9F 98 | 80): each piece alone is an incomplete UTF-8
// sequence. Such a token is drawn with its bytes in hex ('\xe4\xbd'), and a run of them that together
// make whole characters is drawn as one group with those characters written above it (<ruby>), so
// the text stays readable while every token keeps its own span.
//
//   tokenGroups(cl100k, [15339, 1917])  → [{ pieces: [hello] }, { pieces: [·world] }]
//   renderTokens(gpt2, '你好')           → 4 spans in 2 groups, labelled 你 and 好
//
// Left out: choosing the tokenizer or encoding options beyond `encode`'s (see src/tokenizer).

import { escapeHtml, Renderable, show } from '../notebook/display';
import type { EncodeOptions } from '../tokenizer/special';
import type { Tokenizer } from '../tokenizer/tokenizer';

/** Backgrounds the tokens cycle through, one per token: light enough to read black text on. */
export const TOKEN_COLORS: readonly string[] = ['#cfe2ff', '#ffdcb4', '#cdeccb', '#f6cfe0', '#e2d8ff', '#fff1a6'];

/** The background of special tokens (`<|endoftext|>`), which are not text at all. */
export const SPECIAL_TOKEN_COLOR = '#b9b9b9';

/** Tokens in a row of partial tokens before we give up looking for the end of their character. */
const MAX_RUN = 16;

/** One token as drawn. */
export interface TokenPiece {
  id: number;
  /** What the span shows: the token's text with whitespace visible (see `tokenLabel`), line breaks kept. */
  label: string;
  /** Its background. */
  color: string;
  /** Whether it is a special token. */
  special: boolean;
}

/** One token, or a run of partial tokens that make whole characters only together. */
export interface TokenGroup {
  pieces: TokenPiece[];
  /** For a run: the characters its bytes make (whitespace visible, no line breaks); else undefined. */
  joined?: string;
}

/** Options of `tokenLabel`. */
export interface LabelOptions {
  /** Keep a real line break after each '↵', for text that is read as lines (default false). */
  lineBreaks?: boolean;
}

const fatal = new TextDecoder('utf-8', { fatal: true });

/** The text of `bytes` when they are whole UTF-8 characters, else undefined. */
function decodeWhole(bytes: Uint8Array): string | undefined {
  try {
    return fatal.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The length of the UTF-8 sequence that `lead` starts (1..4), or 0 for a byte that starts none. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;

/**
 * One character with whitespace and control characters made visible.
 *
 *   visibleChar(' ') → '·'   visibleChar('\n') → '↵'   visibleChar('\t') → '⇥'
 *   visibleChar('\x07') → '\x07'
 */
export function visibleChar(c: string, options: LabelOptions = {}): string {
  switch (c) {
    case ' ': return '·';
    case '\n': return options.lineBreaks ? '↵\n' : '↵';
    case '\t': return '⇥';
    case '\r': return '␍';
  }
  const code = c.codePointAt(0)!;
  return code < 0x20 || code === 0x7f ? hex(code) : c;
}

/**
 * A token's bytes as readable text: whole UTF-8 characters as themselves (whitespace visible), every
 * other byte in hex.
 *
 *   tokenLabel(utf8(' world'))               → '·world'
 *   tokenLabel(Uint8Array [0x20, 0xe4, 0xbd]) → '·\xe4\xbd'   (a space, then 2 of the 3 bytes of 你)
 */
export function tokenLabel(bytes: Uint8Array, options: LabelOptions = {}): string {
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const n = sequenceLength(bytes[i]);
    const c = n > 0 && i + n <= bytes.length ? decodeWhole(bytes.subarray(i, i + n)) : undefined;
    if (c === undefined) { out += hex(bytes[i]); i++; }
    else { out += visibleChar(c, options); i += n; }
  }
  return out;
}

/**
 * How each token is drawn: its label and color, grouped into runs where tokens split characters.
 * Colors cycle per token; special tokens are gray and named.
 *
 *   tokenGroups(gpt2, [19526, 254])
 *     → [{ pieces: [{ id: 19526, label: '\xe4\xbd', … }, { id: 254, label: '\xa0', … }], joined: '你' }]
 */
export function tokenGroups(tok: Tokenizer, ids: readonly number[]): TokenGroup[] {
  const specials = new Set(tok.specialTokens.values());
  const bytes = ids.map((id) => tok.tokenBytes(id));
  const piece = (i: number): TokenPiece => {
    const special = specials.has(ids[i]);
    return {
      id: ids[i], label: tokenLabel(bytes[i], { lineBreaks: true }), special,
      color: special ? SPECIAL_TOKEN_COLOR : TOKEN_COLORS[i % TOKEN_COLORS.length],
    };
  };
  const isWhole = (i: number) => specials.has(ids[i]) || decodeWhole(bytes[i]) !== undefined;
  const groups: TokenGroup[] = [];
  for (let i = 0; i < ids.length;) {
    const end = isWhole(i) ? undefined : runEnd(bytes, i, (j) => specials.has(ids[j]));
    if (end === undefined) { groups.push({ pieces: [piece(i)] }); i++; continue; }
    const joined = tokenLabel(concat(bytes.slice(i, end)));
    groups.push({ pieces: Array.from({ length: end - i }, (_, k) => piece(i + k)), joined });
    i = end;
  }
  return groups;
}

/**
 * Where the run of tokens from `start` (a partial token) ends: the first `end` at which the bytes of
 * tokens start..end-1 decode as whole characters; undefined when no such end comes soon enough (a
 * sequence cut off, or bytes that are no UTF-8 at all).
 */
function runEnd(bytes: Uint8Array[], start: number, isSpecial: (i: number) => boolean): number | undefined {
  for (let end = start + 2; end <= Math.min(bytes.length, start + MAX_RUN); end++) {
    if (isSpecial(end - 1)) return undefined;
    if (decodeWhole(concat(bytes.slice(start, end))) !== undefined) return end;
  }
  return undefined;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function pieceHtml(p: TokenPiece): string {
  return `<span style="background:${p.color}" title="${p.id}">${escapeHtml(p.label)}</span>`;
}

/**
 * The groups as HTML: one <span> per token inside a monospace block that keeps line breaks; a run of
 * partial tokens is a <ruby> (in an inline-block) with its characters above. Lines wrap only between
 * groups (<wbr>), never inside a token, unless one token is wider than the whole block.
 *
 *   tokensHtml(tokenGroups(cl100k, [15339, 1917]))
 *   → '<div class="gptlab-tokens" style="…"><span style="background:#cfe2ff" title="15339">hello</span>' +
 *     '<wbr><span …>·world</span></div>'
 */
export function tokensHtml(groups: readonly TokenGroup[]): string {
  const body = groups.map((g) => g.joined === undefined ? g.pieces.map(pieceHtml).join('')
    : `${RUBY_OPEN}${g.pieces.map(pieceHtml).join('')}` +
      `<rt style="font-size:80%">${escapeHtml(g.joined)}</rt></ruby></span>`)
    .join('<wbr>');
  return `<div class="gptlab-tokens" style="${BLOCK_STYLE}">${body}</div>`;
}

// subtle: whitespace is drawn as '·', so the text has no spaces to wrap at; <wbr> gives each token
// boundary as a place to wrap, and overflow-wrap breaks a token only when it alone is too wide.
const BLOCK_STYLE = 'font-family:monospace;font-size:13px;line-height:2.2;white-space:pre-wrap;overflow-wrap:anywhere';
// subtle: Chromium wraps inside a <ruby> (mid-token) and ignores the <wbr> before it; an inline-block
// around it makes the run one unit that wraps only before or after.
const RUBY_OPEN = '<span style="display:inline-block"><ruby>';

/**
 * The groups as text for a terminal: tokens separated by '|', a run in ⟨ ⟩ with its characters.
 *
 *   tokensText(tokenGroups(gpt2, gpt2.encode('hi 你'))) → 'hi|·|⟨\xe4\xbd|\xa0=你⟩'
 */
export function tokensText(groups: readonly TokenGroup[]): string {
  const label = (p: TokenPiece) => p.label.replace(/\n/g, '');
  return groups.map((g) => g.joined === undefined ? label(g.pieces[0])
    : `⟨${g.pieces.map(label).join('|')}=${g.joined}⟩`).join('|');
}

/** What to draw: text (encoded with `encode`'s rules) or ids. */
export type TokenInput = string | readonly number[];

function idsOf(tok: Tokenizer, input: TokenInput, options: EncodeOptions): readonly number[] {
  return typeof input === 'string' ? tok.encode(input, options) : input;
}

/**
 * Text (or ids) drawn as colored tokens, for `show`. Text is encoded with `tok.encode(text, options)`,
 * so a special token in it is an error unless allowed, as when encoding.
 *
 *   show(renderTokens(getEncoding('cl100k_base'), 'hello world'))
 */
export function renderTokens(tok: Tokenizer, input: TokenInput, options: EncodeOptions = {}): Renderable {
  const groups = tokenGroups(tok, idsOf(tok, input, options));
  return { html: () => tokensHtml(groups), text: () => tokensText(groups) };
}

/** Shows text (or ids) as colored tokens: HTML in a notebook, '|'-separated tokens on a terminal. */
export function showTokens(tok: Tokenizer, input: TokenInput, options: EncodeOptions = {}): void {
  show(renderTokens(tok, input, options));
}

/**
 * Several texts under several tokenizers, side by side: a table with one row per text and one column
 * per tokenizer, each cell the colored tokens and their count.
 *
 *   show(compareTokens({ prose: 'The cat sat.' }, { 'GPT-2': gpt2, 'GPT-4': cl100k }))
 */
export function compareTokens(
  texts: Record<string, string>, tokenizers: Record<string, Tokenizer>, options: EncodeOptions = {},
): Renderable {
  const names = Object.keys(tokenizers);
  const rows = Object.entries(texts).map(([label, text]) => ({
    label, cells: names.map((n) => tokenGroups(tokenizers[n], idsOf(tokenizers[n], text, options))),
  }));
  const count = (gs: TokenGroup[]) => gs.reduce((n, g) => n + g.pieces.length, 0);
  const td = 'style="vertical-align:top;text-align:left;padding:4px 8px;border-top:1px solid #ddd"';
  const html = () =>
    `<table class="gptlab-token-compare" style="border-collapse:collapse;table-layout:fixed;width:100%">` +
    `<thead><tr><th style="width:7em"></th>${names.map((n) =>
      `<th style="text-align:left;padding:4px 8px">${escapeHtml(n)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r) => `<tr><td ${td}><b>${escapeHtml(r.label)}</b></td>${r.cells.map((gs) =>
      `<td ${td}>${tokensHtml(gs)}<div style="color:#666;font-size:85%">${count(gs)} tokens</div></td>`)
      .join('')}</tr>`).join('') +
    '</tbody></table>';
  const text = () => rows.map((r) => [
    `${r.label}:`, ...r.cells.map((gs, j) => `  ${names[j]} (${count(gs)} tokens): ${tokensText(gs)}`),
  ].join('\n')).join('\n');
  return { html, text };
}
