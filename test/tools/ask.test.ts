// `gpt-lab ask` on a tiny chat checkpoint (char tokenizer, random weights): JSON out, a schema's reply
// parsed and valid (ajv), an adapter file applied, and one-line errors for bad input.

import { expect } from 'chai';
import Ajv from 'ajv';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend';
import { gptLab } from '../helpers/cli';
import { charTokenizer } from '../../src/data/char-tokenizer';
import { GPT, makeConfig } from '../../src/model';
import { saveCheckpoint } from '../../src/train/checkpoint';
import { createAdapters, disposeAdapters, writeAdapters } from '../../src/lora';
import { toolTraffic } from '../../src/tools';

const tok = charTokenizer();

describe('gpt-lab ask', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ask-'));
  const ckpt = path.join(root, 'sft');
  const schemaFile = path.join(root, 'answer.json');
  const schema = { type: 'object', properties: { answer: { type: 'integer' }, ok: { type: 'boolean' } }, required: ['answer', 'ok'], additionalProperties: false };
  before(async () => {
    await initBackend({ backend: 'cpu' });
    const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 96, seed: 4 }));
    saveCheckpoint(ckpt, { step: 0, config: model.config, seed: 4, tokenizer: 'chat-char', stage: 'sft', extra: { done: true } }, model);
    const ad = createAdapters(model.config, { rank: 2, alpha: 4, targets: ['attn'], seed: 1 });
    writeAdapters(path.join(root, 'ad.safetensors'), ad, model.config);
    disposeAdapters(ad);
    model.dispose();
    fs.writeFileSync(schemaFile, JSON.stringify(schema));
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('prints one JSON object with the reply, its tokens and passes', async () => {
    const r = await gptLab('ask', '--checkpoint', ckpt, '--max-tokens', '5', 'Calculate 2*3.');
    expect(r.code, r.err).to.equal(0);
    const o = JSON.parse(r.out);
    expect(o).to.include({ prompt: 'Calculate 2*3.', tokens: 5, forced: 0, stopped: false });
    expect(o.toolCalls).to.deep.equal([]);
  });

  it('constrains the reply to a schema: a parsed object that ajv accepts, template text forced', async () => {
    const r = await gptLab('ask', '--checkpoint', ckpt, '--schema', schemaFile, '--max-tokens', '80', '--temperature', '1', '--seed', '3', 'What is 4+5?');
    expect(r.code, r.err).to.equal(0);
    const o = JSON.parse(r.out);
    if (o.stopped) expect(new Ajv().compile(schema)(o.json)).to.equal(true);
    else expect(o.reply).to.match(/^\{"answer": -?\d*$/);
    expect(o.forced).to.be.greaterThan(10); // '{"answer": ' at least
  });

  it('applies an adapter file and runs the calculator flag', async () => {
    const r = await gptLab('ask', '--checkpoint', ckpt, '--adapter', path.join(root, 'ad.safetensors'), '--calculator', '--max-tokens', '4', 'hi');
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out).adapter).to.equal(path.join(root, 'ad.safetensors'));
  });

  it('says in one line what is wrong: no checkpoint, no question, both hooks, a missing or bad schema, a missing adapter', async () => {
    const cases: [string[], RegExp][] = [
      [['hi'], /--checkpoint DIR is required/],
      [['--checkpoint', path.join(root, 'nope'), 'hi'], /does not exist/],
      [['--checkpoint', ckpt], /give the question/],
      [['--checkpoint', ckpt, '--calculator', '--schema', schemaFile, 'hi'], /pass one of them/],
      [['--checkpoint', ckpt, '--schema', path.join(root, 'none.json'), 'hi'], /--schema .* does not exist/],
      [['--checkpoint', ckpt, '--adapter', path.join(root, 'none.safetensors'), 'hi'], /--adapter .* does not exist/],
    ];
    fs.writeFileSync(path.join(root, 'bad.json'), '{"type": "object", "properties": {"a": {"type": "array"}}, "required": ["a"]}');
    cases.push([['--checkpoint', ckpt, '--schema', path.join(root, 'bad.json'), 'hi'], /not supported/]);
    for (const [argv, want] of cases) {
      const r = await gptLab('ask', ...argv);
      expect(r.code, argv.join(' ')).to.equal(1);
      expect(r.err.split('\n').length, r.err).to.equal(1);
      expect(r.err).to.match(want);
    }
  });

  it('lists tool traffic from a reply\'s ids', () => {
    const t = { toolStart: 900, toolEnd: 901, outputStart: 902, outputEnd: 903 };
    const ids = [900, ...tok.encode('2*3'), 901, 902, ...tok.encode('6'), 903, ...tok.encode('#### 6'), 900, ...tok.encode('1+'), 901];
    expect(toolTraffic(ids, { tokens: t, decode: (x) => tok.decode(x) })).to.deep.equal([{ input: '2*3', output: '6' }, { input: '1+' }]);
  });
});
