// The tool engine with a stand-in tokenizer (one id per character, four specials), stepped the way a
// batched decoder would: a scripted "model" writes a call, the engine forces the result, sampling resumes.

import { expect } from 'chai';
import { ToolContext, calculatorTool, openCall, toolStep } from '../../src/tools';
import { calculate, renderConversation, runCalculator } from '../../src/data';
import { charTokenizer, chatTokens } from '../../src/data/char-tokenizer';
import { calculatorExample } from '../../src/data/world/calculator';

// Stand-in tokenizer: ids 0..9 are the digits, 10..15 are + - * / ( ), then the specials; 99 is '?'.
const CHARS = '0123456789+-*/() ';
const S = 20; const E = 21; const O = 22; const C = 23; const Q = 99;
const encode = (text: string) => [...text].map((c) => {
  const i = CHARS.indexOf(c);
  if (c === '?') return Q;
  if (i < 0) throw new Error(`stand-in tokenizer: no id for '${c}'`);
  return i;
});
const decode = (ids: number[]) => ids.map((i) => (i === Q ? '?' : CHARS[i])).join('');
const tokens = { toolStart: S, toolEnd: E, outputStart: O, outputEnd: C };
const ctx: ToolContext = { tokens, encode, decode, run: calculatorTool };

describe('tool engine', () => {
  it('forces the calculator\'s result, framed, right after a call ends', () => {
    const a = toolStep([S, ...encode('4821*37'), E], ctx);
    expect(a).to.deep.equal({ kind: 'force', ids: [O, ...encode('178377'), C], input: '4821*37', output: '178377' });
  });

  it('keeps sampling inside a call (no nesting, no output frame) and outside (a call cannot end)', () => {
    expect(toolStep([S, ...encode('12')], ctx)).to.deep.equal({ kind: 'sample', banned: [S, O, C] });
    expect(toolStep(encode('12'), ctx)).to.deep.equal({ kind: 'sample', banned: [E, O, C] });
    expect(toolStep([], ctx)).to.deep.equal({ kind: 'sample', banned: [E, O, C] });
    expect(openCall([5, S, 1, 2], tokens)).to.equal(2);
    expect(openCall([S, 1, E], tokens)).to.equal(-1);
  });

  it('resumes sampling after the forced result, outside any call', () => {
    const row = [S, ...encode('2*3'), E];
    const a = toolStep(row, ctx);
    if (a.kind !== 'force') throw new Error('expected a forced result');
    row.push(...a.ids);
    expect(toolStep(row, ctx)).to.deep.equal({ kind: 'sample', banned: [E, O, C] });
  });

  it('turns a bad expression into an error result, never a throw', () => {
    for (const expr of ['2+', '7/2', '(((', '1/0']) {
      const a = toolStep([S, ...encode(expr), E], ctx);
      expect(a.kind, expr).to.equal('force');
      if (a.kind === 'force') {
        expect(a.output, expr).to.match(/^error: calculator: /);
        expect(a.ids[0]).to.equal(O);
        expect(a.ids[a.ids.length - 1]).to.equal(C);
        expect(a.ids.includes(Q), 'letters the stand-in cannot encode become ?').to.equal(true);
      }
    }
  });

  it('refuses a call that holds a special token', () => {
    const a = toolStep([S, 1, O, 2, E], ctx);
    expect(a.kind === 'force' && a.output).to.equal('error: the tool call holds a special token');
  });

  it('lets the model go on by itself when the tool is taken away', () => {
    const noTool: ToolContext = { tokens, encode, decode };
    expect(toolStep([S, ...encode('2*3'), E], noTool)).to.deep.equal({ kind: 'sample', banned: [E] });
    expect(toolStep([S, 1], noTool)).to.deep.equal({ kind: 'sample', banned: [S] });
  });

  it('reproduces the SFT trace of a calculator example when the model writes its own parts', () => {
    // The reference is renderConversation's ids for the example: the engine must produce the tool's
    // part (the masked span) exactly, given the model's parts.
    const tok = charTokenizer();
    const chat = chatTokens(tok);
    const ex = calculatorExample('486*29+581');
    const rendered = renderConversation(ex.conversation, chat);
    const start = rendered.ids.lastIndexOf(chat.assistantStart) + 1;
    const reply = rendered.ids.slice(start);
    const real: ToolContext = { tokens: chat, encode: tok.encode, decode: (ids) => tok.decode(ids), run: calculatorTool };
    const row: number[] = [];
    for (let i = 0; i < reply.length;) {
      const a = toolStep(row, real);
      if (a.kind === 'force') {
        expect(reply.slice(i, i + a.ids.length)).to.deep.equal(a.ids);
        expect(rendered.mask.slice(start + i, start + i + a.ids.length).every((m) => m === 0), 'forced ids are the untrained span').to.equal(true);
        row.push(...a.ids);
        i += a.ids.length;
      } else {
        expect(a.banned.includes(reply[i]), `id ${reply[i]} at ${i} is banned`).to.equal(false);
        row.push(reply[i++]);
      }
    }
    expect(row).to.deep.equal(reply);
  });
});

describe('calculator (the tool)', () => {
  it('is a parser: hand-checked values, and input that eval would run is refused', () => {
    expect(calculate('2+3*4')).to.equal(14);
    expect(calculate('(12+3)*4')).to.equal(60);
    expect(calculate('-7+2')).to.equal(-5);
    expect(runCalculator('process.exit(1)')).to.match(/^error: /);
    expect(runCalculator('2**10')).to.match(/^error: /);
  });

  it('returns an error, not a crash, on deep nesting and huge numbers', () => {
    expect(runCalculator('('.repeat(100000) + '1' + ')'.repeat(100000))).to.match(/^error: /);
    expect(runCalculator('9'.repeat(400))).to.match(/^error: .*too large/);
  });

  it('refuses an intermediate value past 2^53 instead of answering wrongly', () => {
    // In floats this comes out as 100000595968; the exact answer (BigInt) is 99999999999.
    expect(String(99999999999n * 99999999999n - 99999999999n * 99999999998n)).to.equal('99999999999');
    expect(runCalculator('99999999999*99999999999-99999999999*99999999998')).to.match(/^error: .*too large/);
    expect(calculate('94906265*94906265')).to.equal(Number(94906265n * 94906265n)); // just under 2^53: still exact
  });
});
