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

/** Unicode's general categories, and the contexts each sampled character is encoded in. */
const CATEGORIES = ['Lu', 'Ll', 'Lt', 'Lm', 'Lo', 'Mn', 'Mc', 'Me', 'Nd', 'Nl', 'No', 'Pc', 'Pd', 'Ps', 'Pe', 'Pi', 'Pf', 'Po',
  'Sm', 'Sc', 'Sk', 'So', 'Zs', 'Zl', 'Zp', 'Cc', 'Cf', 'Co', 'Cn'];
const CONTEXTS: ((c: string) => string)[] = [
  (c) => `a${c}b`, (c) => ` ${c}1`, (c) => `Ab${c}Cd`, (c) => `x'${c}s`, (c) => ` ${c}${c} `, (c) => `\n${c}\n`, (c) => `.${c}?`,
  (c) => `don${c}'t`, (c) => `123${c}456`,
];
/** Format characters, joiners, marks and selectors that sit invisibly inside words. */
const INVISIBLES = [0xad, 0x34f, 0x61c, 0x180e, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202e, 0x2060, 0x2061,
  0x2064, 0x2066, 0x2069, 0xfe00, 0xfe0f, 0xfeff, 0xfff9, 0x1d173, 0xe0001, 0xe0020, 0xe007f, 0xe0100, 0xe01ef, 0x0300, 0x0301, 0x036f, 0x20dd];

/** Up to `n` code points of each general category, evenly spread over the code points Node puts in it. */
function categorySamples(n: number): Map<string, number[]> {
  const re = new RegExp(`^(?:${CATEGORIES.map((g) => `(\\p{${g}})`).join('|')})$`, 'u');
  const members = new Map<string, number[]>(CATEGORIES.map((g) => [g, []]));
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const m = re.exec(String.fromCodePoint(cp));
    if (m !== null) members.get(CATEGORIES[m.findIndex((x, i) => i > 0 && x !== undefined) - 1])!.push(cp);
  }
  return new Map([...members].map(([g, cps]) => [g, Array.from({ length: Math.min(n, cps.length) }, (_, i) => cps[Math.floor(i * cps.length / Math.min(n, cps.length))])]));
}

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

  it('encodes like tiktoken around characters of every general category, invisible ones included', () => {
    const samples = categorySamples(24);
    samples.set('invisible (Cf, Mn, variation selectors, tags)', INVISIBLES);
    for (const [group, cps] of samples) {
      expect(cps.length, group).to.be.greaterThan(0);
      const probes = cps.flatMap((cp) => CONTEXTS.map((f) => f(String.fromCodePoint(cp))));
      for (const name of ENCODING_NAMES) {
        const ours = getEncoding(name), text = probes.join('|');
        if (plain(wasm(name).encode(text, [], [])).join() === ours.encodeOrdinary(text).join()) continue;
        for (const p of probes) expect(ours.encodeOrdinary(p), `${name}, ${group}: ${JSON.stringify(p)}`).to.deep.equal(plain(wasm(name).encode(p, [], [])));
      }
    }
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
