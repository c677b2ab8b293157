import { expect } from 'chai';
import { getEncoding, ENCODING_NAMES } from '../../src/tokenizer/pretrained';
import { splitText, type PatternName } from '../../src/tokenizer/patterns';
import { category, REFERENCE_UNICODE, type CategoryName } from '../../src/tokenizer/unicode';
import { plain, wasmTiktoken } from './helpers';
import { tiktokenClassMembers, tiktokenSplitter } from './references';

/** Code points Node assigns (not unassigned, private use or surrogates): where the tables can differ. */
function assignedCodePoints(): number[] {
  const out: number[] = [];
  const unassigned = /[\p{Cn}\p{Co}\p{Cs}]/u;
  for (let cp = 0; cp <= 0x10ffff; cp++) if (!unassigned.test(String.fromCodePoint(cp))) out.push(cp);
  return out;
}

/** tiktoken's encoders, loaded once (each load parses the whole rank file). */
const wasmEncoders = new Map<string, ReturnType<typeof wasmTiktoken>>();
function wasm(name: string): ReturnType<typeof wasmTiktoken> {
  if (!wasmEncoders.has(name)) wasmEncoders.set(name, wasmTiktoken(name));
  return wasmEncoders.get(name)!;
}

const hex = (cps: number[]) => cps.slice(0, 12).map((c) => `U+${c.toString(16).toUpperCase().padStart(4, '0')}`).join(' ');

/** The split pattern of each encoding, as tiktoken's npm package has it (OpenAI's Rust syntax). */
const RUST_PATTERNS: Record<Exclude<PatternName, 'none'>, string> = {
  gpt2: (require('tiktoken/encoders/r50k_base.json') as { pat_str: string }).pat_str,
  gpt4: (require('tiktoken/encoders/cl100k_base.json') as { pat_str: string }).pat_str,
  o200k: (require('tiktoken/encoders/o200k_base.json') as { pat_str: string }).pat_str,
};

/** One string per kind of character whose class Unicode 17.0 changed, each failing before the pin. */
const UNICODE_17_CASES: [string, string][] = [
  ['a letter (Lo) new in 17.0: Telugu U+0C5C, Sidetic, CJK extension J', 'a\u0C5Ca x \u{10940}\u{10941}y \u{323B0}\u{323B1}z'],
  ['upper and lower case letters new in 17.0 (Beria Erfe, Latin U+A7CE/U+A7CF)', 'Ab\u{16EA0}\u{16EBB}c \uA7CE\uA7CFd'],
  ['a modifier letter (Lm) new in 17.0: U+A7F1', 'q\uA7F1q'],
  ['digits (Nd) new in 17.0: Tolong Siki', 'x\u{11DE0}\u{11DE1}\u{11DE2}\u{11DE3}1 \u{11DE4}'],
  ['a letter number (Nl) new in 17.0: U+16FF4', 'n\u{16FF4}1'],
  ['marks (Mn, Mc) new in 17.0: U+1ACF, U+11B61', 'e\u1ACF a\u{11B61}a Ab\u1AE0c'],
  ['U+0295 ʕ, lowercase in 16.0 and "other letter" in 17.0', 'ʕAb AʕbC getʕHTTP'],
];

describe('tokenizer/unicode (split classes pinned to tiktoken\'s Unicode)', function () {
  this.timeout(120_000);

  it(`puts every code point in the classes the patterns use as tiktoken's Unicode ${REFERENCE_UNICODE} tables do`, () => {
    // The classes that decide a split: letters, numbers, marks, whitespace, and o200k's upper and lower.
    const upper: CategoryName[] = ['Lu', 'Lt', 'Lm', 'Lo', 'M'], lower: CategoryName[] = ['Ll', 'Lm', 'Lo', 'M'];
    const anyOf = (names: CategoryName[]) => new RegExp(`^[${names.map(category).join('')}]$`, 'v');
    const classes: [string, string, RegExp][] = [
      ['L', String.raw`\p{L}`, anyOf(['L'])],
      ['N', String.raw`\p{N}`, anyOf(['N'])],
      ['M', String.raw`\p{M}`, anyOf(['M'])],
      ['White_Space', String.raw`\s`, /^\p{White_Space}$/v],
      ['o200k upper', `[${upper.map((n) => `\\p{${n}}`).join('')}]`, anyOf(upper)],
      ['o200k lower', `[${lower.map((n) => `\\p{${n}}`).join('')}]`, anyOf(lower)],
    ];
    const cps = assignedCodePoints();
    for (const [name, rust, ours] of classes) {
      const ref = tiktokenClassMembers(rust, cps);
      const mine = cps.filter((cp) => cp !== 0x21 && ours.test(String.fromCodePoint(cp)));
      const extra = mine.filter((cp) => !ref.has(cp)), missing = [...ref].filter((cp) => !ours.test(String.fromCodePoint(cp)));
      expect(`extra: ${hex(extra)}; missing: ${hex(missing)}`, `${name}: code points in gpt-lab's class only (extra) or ` +
        `in tiktoken's only (missing); this Node has Unicode ${process.versions.unicode}, see src/tokenizer/unicode.ts`)
        .to.equal('extra: ; missing: ');
      expect(ref.size, name).to.be.greaterThan(20);
    }
    // And what this Node leaves unassigned in the planes Unicode uses, tiktoken must not call a letter,
    // number, mark or space (it would on a Node with Unicode older than tiktoken's).
    const unassigned = [];
    for (let cp = 0; cp < 0xf0000; cp++) if (cp < 0x40000 || cp >= 0xe0000) if (/\p{Cn}/u.test(String.fromCodePoint(cp))) unassigned.push(cp);
    const known = [...tiktokenClassMembers(String.raw`[\p{L}\p{N}\p{M}\s]`, unassigned)];
    expect(hex(known), `letters, numbers, marks or spaces for tiktoken that this Node (Unicode ${process.versions.unicode}) ` +
      `does not know; run gpt-lab on a Node with Unicode ${REFERENCE_UNICODE} or newer`).to.equal('');
  });

  for (const [what, text] of UNICODE_17_CASES) {
    it(`splits and encodes like tiktoken: ${what}`, () => {
      for (const [pattern, rust] of Object.entries(RUST_PATTERNS) as [Exclude<PatternName, 'none'>, string][]) {
        const oracle = tiktokenSplitter(rust, [text]);
        try {
          expect(splitText(text, pattern), `${pattern} ${JSON.stringify(text)}`).to.deep.equal(oracle.split(text));
        } finally {
          oracle.free();
        }
      }
      for (const name of ENCODING_NAMES) {
        expect(getEncoding(name).encodeOrdinary(text), `${name} ${JSON.stringify(text)}`).to.deep.equal(plain(wasm(name).encode(text, [], [])));
      }
    });
  }
});
