import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  exportTiktoken, fromJSON, importTiktoken, loadTokenizer, saveTokenizer, toJSON, trainFiles,
} from '../../src/tokenizer/io';
import { getEncoding } from '../../src/tokenizer/pretrained';
import { train, type Tokenizer } from '../../src/tokenizer/tokenizer';
import { GptLabError } from '../../src/util/assert';
import { randomText, seeded } from './helpers';

const rand = seeded(99);
const TEXT = Array.from({ length: 400 }, () => randomText(rand, 12)).join('\n');
const SAMPLES = Array.from({ length: 100 }, () => randomText(rand, 30));

function trained(): Tokenizer {
  return train(TEXT, { vocabSize: 600, pattern: 'gpt4', specialTokens: ['<|endoftext|>', '<|user|>'] });
}

/** Same pattern, specials, vocabulary and ids on the samples. */
function expectSame(a: Tokenizer, b: Tokenizer): void {
  expect(b.pattern).to.equal(a.pattern);
  expect([...b.specialTokens]).to.deep.equal([...a.specialTokens]);
  expect(b.learnedSize).to.equal(a.learnedSize);
  for (const s of SAMPLES) {
    expect(b.encode(s, { allowedSpecial: 'all' })).to.deep.equal(a.encode(s, { allowedSpecial: 'all' }));
  }
}

describe('tokenizer/io (files)', () => {
  let dir: string;
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gptlab-tok-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text?: string) => {
    const p = path.join(dir, name);
    if (text !== undefined) fs.writeFileSync(p, text);
    return p;
  };

  it('saves and loads the same tokenizer (JSON, merges)', () => {
    const tok = trained();
    saveTokenizer(tok, file('t.json'));
    const back = loadTokenizer(file('t.json'));
    expect(back.merges).to.deep.equal(tok.merges);
    expectSame(tok, back);
  });

  it('writes the documented JSON fields, version first-class', () => {
    const data = toJSON(train('aaab', { vocabSize: 257, pattern: 'none', specialTokens: [] }));
    expect(data).to.deep.equal({
      format: 'gpt-lab-tokenizer', version: 1, pattern: 'none', rule: 'merges', vocabSize: 257, merges: [[97, 97]],
      specialTokens: {},
    });
  });

  it('saves and loads a pretrained encoding (JSON, ranks, gaps kept)', () => {
    const p50k = getEncoding('p50k_base');
    const back = fromJSON(JSON.parse(JSON.stringify(toJSON(p50k))), 'p50k.json');
    expect(back.rule).to.equal('ranks');
    expect(back.hasToken(50256)).to.equal(false);
    expectSame(p50k, back);
  });

  it('exports and imports the .tiktoken rank format', () => {
    const tok = trained();
    const text = exportTiktoken(tok);
    expect(text.split('\n')[97]).to.equal('YQ== 97');
    saveTokenizer(tok, file('t.tiktoken'));
    expect(fs.readFileSync(file('t.tiktoken'), 'utf8')).to.equal(text);
    const back = loadTokenizer(file('t.tiktoken'), { pattern: 'gpt4', specialTokens: tok.specialTokens });
    expect(back.rule).to.equal('ranks');
    expectSame(tok, back);
  });

  it('round-trips cl100k_base through .tiktoken text with the same ids', () => {
    const cl = getEncoding('cl100k_base');
    const back = importTiktoken(exportTiktoken(cl), { pattern: 'gpt4', specialTokens: cl.specialTokens },
      'cl100k_base.tiktoken');
    expectSame(cl, back);
  });

  it('trains on files, one document each', () => {
    const tok = trainFiles([file('a.txt', 'ab ab ab'), file('b.txt', 'cd')],
      { vocabSize: 300, pattern: 'none', specialTokens: [] });
    expect(tok.merges![0]).to.deep.equal([97, 98]);
    expect(() => trainFiles([file('missing.txt')], { vocabSize: 300 }))
      .to.throw(GptLabError, /cannot read .*missing\.txt: ENOENT/);
  });

  describe('clear errors', () => {
    const good = () => JSON.stringify(toJSON(trained()));

    it('a truncated JSON file', () => {
      const text = good();
      expect(() => loadTokenizer(file('cut.json', text.slice(0, text.length / 2))))
        .to.throw(GptLabError, /cut\.json is not valid JSON .*truncated or corrupt/);
    });

    it('a corrupt JSON file', () => {
      expect(() => loadTokenizer(file('bad.json', '{"format": "gpt-lab-tokenizer", oops')))
        .to.throw(GptLabError, /not valid JSON/);
      expect(() => loadTokenizer(file('arr.json', '[1, 2]'))).to.throw(GptLabError, /does not hold a JSON object/);
      expect(() => loadTokenizer(file('other.json', '{"format": "hf"}')))
        .to.throw(GptLabError, /format "hf", expected 'gpt-lab-tokenizer'/);
    });

    it('merges cut short (vocabSize disagrees)', () => {
      const data = JSON.parse(good());
      data.merges = data.merges.slice(0, 10);
      expect(() => fromJSON(data, 'short.json'))
        .to.throw(GptLabError, /short\.json says vocabSize 600 but holds 10 merges.*truncated/);
    });

    it('a malformed merge', () => {
      const data = JSON.parse(good());
      data.merges[3] = [1];
      expect(() => fromJSON(data, 'm.json')).to.throw(GptLabError, /merges\[3\] is \[1\], expected a pair/);
    });

    it('a newer or missing version', () => {
      const data = JSON.parse(good());
      expect(() => fromJSON({ ...data, version: 2 }, 'v2.json'))
        .to.throw(GptLabError, /version 2, written by a newer gpt-lab; this one reads version 1/);
      expect(() => fromJSON({ ...data, version: undefined }, 'v.json')).to.throw(GptLabError, /has version undefined/);
    });

    it('a vocabulary below 256', () => {
      expect(() => fromJSON({ ...JSON.parse(good()), vocabSize: 100 }, 'small.json'))
        .to.throw(GptLabError, /vocabSize 100.*at least 256/);
      const tiny = exportTiktoken(trained()).split('\n').slice(0, 100).join('\n');
      expect(() => importTiktoken(tiny, { pattern: 'gpt4' }, 'tiny.tiktoken'))
        .to.throw(GptLabError, /tiny\.tiktoken holds 100 tokens.*at least 256/);
      expect(() => train('x', { vocabSize: 255 })).to.throw(GptLabError, /vocabSize \(255\)/);
    });

    it('a truncated or corrupt .tiktoken file', () => {
      const text = exportTiktoken(trained());
      const cut = text.slice(0, text.lastIndexOf(' '));
      expect(() => importTiktoken(cut, { pattern: 'gpt4' }, 'cut.tiktoken'))
        .to.throw(GptLabError, /cut\.tiktoken: line \d+ is '.*', expected '<base64 bytes> <rank>'/);
      const withoutByte = text.split('\n').filter((l) => l !== 'QQ== 65').join('\n');
      expect(() => importTiktoken(withoutByte, { pattern: 'gpt4' }, 'x.tiktoken'))
        .to.throw(GptLabError, /byte 65 \(0x41\) is not a token/);
      expect(() => importTiktoken(text + 'QQ== 7\n', { pattern: 'gpt4' }, 'dup.tiktoken'))
        .to.throw(GptLabError, /rank 7 appears twice/);
    });

    it('a .tiktoken file without a pattern', () => {
      saveTokenizer(trained(), file('p.tiktoken'));
      expect(() => loadTokenizer(file('p.tiktoken')))
        .to.throw(GptLabError, /holds no split pattern.*none, gpt2, gpt4, o200k/);
    });

    it('a special token that collides with a learned one', () => {
      const data = JSON.parse(good());
      expect(() => fromJSON({ ...data, specialTokens: { '<|endoftext|>': 300 } }, 's.json'))
        .to.throw(GptLabError, /special token '<\|endoftext\|>' has id 300, which collides with a learned token/);
      expect(() => importTiktoken(exportTiktoken(trained()),
        { pattern: 'gpt4', specialTokens: new Map([['<|x|>', 5]]) }, 's.tiktoken'))
        .to.throw(GptLabError, /id 5, which collides/);
    });

    it('an unknown pattern or encoding name, listing the known ones', () => {
      expect(() => fromJSON({ ...JSON.parse(good()), pattern: 'gpt3' }, 'p.json'))
        .to.throw(GptLabError, /pattern "gpt3"; known: none, gpt2, gpt4, o200k/);
      expect(() => getEncoding('cl200k_base'))
        .to.throw(GptLabError, /known encodings: r50k_base, p50k_base, cl100k_base, o200k_base/);
    });
  });
});
