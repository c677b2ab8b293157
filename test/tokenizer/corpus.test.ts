// Parity with tiktoken on real text nobody picked: the Markdown files of the installed npm packages
// (READMEs, changelogs, licences: prose, code, tables, emoji, many scripts), read where they lie, so
// no fixture. The unit suite encodes a deterministic sample of about 200k characters; with
// GPTLAB_TOKENIZER_CORPUS=all it encodes every file.

import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { ENCODING_NAMES, getEncoding } from '../../src/tokenizer/pretrained';
import { PROJECT_ROOT } from '../../src/util/project';
import { jsTiktoken, plain, wasmTiktoken } from './helpers';

/** Every .md / .markdown file under dir, sorted; symbolic links inside are not followed. */
function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(md|markdown)$/i.test(e.name)) out.push(p);
    }
  };
  walk(fs.realpathSync(dir));
  return out.sort();
}

/** Every 7th file, each cut to 20k characters (at a code point boundary), until `budget` characters. */
function sample(files: string[], budget: number): { file: string; text: string }[] {
  const picked: { file: string; text: string }[] = [];
  let total = 0;
  for (let i = 0; i < files.length && total < budget; i += 7) {
    let text = fs.readFileSync(files[i], 'utf8').slice(0, 20_000);
    if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
    picked.push({ file: path.relative(PROJECT_ROOT, files[i]), text });
    total += text.length;
  }
  return picked;
}

/** Text where js-tiktoken's JavaScript regex is known to differ from tiktoken (patterns.ts says why). */
const JS_TIKTOKEN_TRAPS = /[\u0085\uFEFF]|'ſ/;

describe('tokenizer/corpus (the Markdown of node_modules against tiktoken)', function () {
  this.timeout(300_000);

  const all = process.env.GPTLAB_TOKENIZER_CORPUS === 'all';
  const files = markdownFiles(path.join(PROJECT_ROOT, 'node_modules'));
  const docs = all ? files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') })) : sample(files, 200_000);

  it('samples a large and varied corpus', () => {
    expect(files.length).to.be.greaterThan(100);
    expect(docs.length).to.be.greaterThan(all ? 100 : 30);
    const text = docs.map((d) => d.text).join('');
    expect(text.length).to.be.greaterThan(150_000);
    expect(text).to.match(/[^\x00-\x7f]/);
  });

  for (const name of ENCODING_NAMES) {
    it(`gives tiktoken's ids on every sampled file, and js-tiktoken's where its regex is exact: ${name}`, () => {
      const ours = getEncoding(name), wasm = wasmTiktoken(name), js = jsTiktoken(name);
      let checkedJs = 0;
      for (const { file, text } of docs) {
        const ids = ours.encodeOrdinary(text);
        expect(ids, `${name} on ${file}`).to.deep.equal(plain(wasm.encode(text, [], [])));
        if (JS_TIKTOKEN_TRAPS.test(text)) continue;
        expect(ids, `${name} on ${file} (js-tiktoken)`).to.deep.equal(plain(js.encode(text, [], [])));
        checkedJs++;
      }
      expect(checkedJs).to.be.greaterThan(docs.length * 0.9);
    });
  }
});
