// gpt-lab rag index|ask, in this process: a BM25 index of the world's 376 fact chunks that finds
// Luzol's age for "How old is Luzol?", a dense index that refuses an encoder retrained since, a stale
// index, and one-line errors for bad input before any work.

import { expect } from 'chai';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend';
import { gptLab } from '../helpers/cli';
import { GPT, makeConfig } from '../../src/model';
import { saveCheckpoint } from '../../src/train/checkpoint';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';

const tok = trainChatTokenizer([], 256 + CHAT_BPE_SPECIALS.length);

/** A tiny chat model saved as a finished stage, with the byte-level chat tokenizer inside. */
function saveTiny(dir: string, stage: 'encoder' | 'openbook', seed: number): void {
  const model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 128, seed }));
  saveCheckpoint(dir, {
    step: 1, config: model.config, seed, stage, tokenizer: 'chat-bpe', data: 'world-small',
    extra: { done: true, from: 'test' }, files: { 'tokenizer.json': tok.toJSON() },
  }, model);
  model.dispose();
}

describe('gpt-lab rag', function () {
  this.timeout(120_000);
  let root: string;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpt-lab-rag-'));
    saveTiny(path.join(root, 'encoder'), 'encoder', 1);
    saveTiny(path.join(root, 'openbook'), 'openbook', 2);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('indexes the fact chunks with BM25 and answers with the passages it used', async () => {
    const idx = path.join(root, 'idx');
    const built = await gptLab('rag', 'index', '--out', idx, '--json', '--backend', 'cpu');
    expect(built.code, built.err).to.equal(0);
    // 8 towns x 2 facts + 60 people x 4 + 40 animals x 3
    expect(JSON.parse(built.out)).to.include({ retriever: 'bm25', chunker: 'fact', count: 376 });
    const r = await gptLab('rag', 'ask', '--index', idx, '--checkpoint', path.join(root, 'openbook'), '--json',
      '--backend', 'cpu', 'How old is Luzol?');
    expect(r.code, r.err).to.equal(0);
    const j = JSON.parse(r.out);
    expect(j.question).to.equal('How old is Luzol?');
    expect(j.passages[0]).to.include({ id: 'person-45/age', text: 'Luzol is 59 years old.' });
    expect(j.passages.length).to.be.within(1, 3);
    expect(j.answer).to.be.a('string');
    const plain = await gptLab('rag', 'ask', '--index', idx, '--checkpoint', path.join(root, 'openbook'),
      '--backend', 'cpu', 'How old is Luzol?');
    expect(plain.out).to.include('1. [person-45/age');
  });

  it('refuses a dense index whose encoder was retrained, and a stale index, saying how to rebuild', async () => {
    const idx = path.join(root, 'dense');
    const enc = path.join(root, 'encoder2');
    saveTiny(enc, 'encoder', 3);
    const built = await gptLab('rag', 'index', '--out', idx, '--encoder', enc, '--chunks', 'doc', '--json',
      '--backend', 'cpu');
    expect(built.code, built.err).to.equal(0);
    expect(JSON.parse(built.out)).to.include({ retriever: 'dense', chunker: 'document', count: 108 });
    const ok = await gptLab('rag', 'ask', '--index', idx, '--checkpoint', path.join(root, 'openbook'), '--json',
      '--backend', 'cpu', 'Who owns Kiki?');
    expect(ok.code, ok.err).to.equal(0);
    saveTiny(enc, 'encoder', 4); // retrained: other weights in the same directory
    const bad = await gptLab('rag', 'ask', '--index', idx, '--checkpoint', path.join(root, 'openbook'),
      '--backend', 'cpu', 'Who owns Kiki?');
    expect(bad.code).to.equal(1);
    expect(bad.err).to.match(/was built by encoder 'contrastive .*encoder2' \(\w+\), not by/);
    const chunks = path.join(root, 'idx', 'chunks.json');
    fs.writeFileSync(chunks, fs.readFileSync(chunks, 'utf8').replace('Luzol is 59', 'Luzol is 60'));
    const stale = await gptLab('rag', 'ask', '--index', path.join(root, 'idx'),
      '--checkpoint', path.join(root, 'openbook'), '--backend', 'cpu', 'How old is Luzol?');
    expect(stale.code).to.equal(1);
    expect(stale.err).to.match(/is stale: .*rebuild it with `gpt-lab rag index --out .* --chunks fact`/);
  });

  it('says what is wrong in one line before doing any work', async () => {
    const file = path.join(root, 'a-file');
    fs.writeFileSync(file, '');
    const cases: [string[], RegExp][] = [
      [['rag', 'index'], /--out DIR is required/],
      [['rag', 'index', '--out', path.join(root, 'x'), '--chunks', 'para'],
        /--chunks 'para' is not a chunker; use one of: fact, doc, window/],
      [['rag', 'index', '--out', path.join(file, 'sub')], /a-file/],
      [['rag', 'index', '--out', path.join(root, 'y'), '--encoder', '/nonexistent/enc'],
        /--encoder \/nonexistent\/enc does not exist/],
      [['rag', 'ask', '--index', path.join(root, 'none'), '--checkpoint', path.join(root, 'openbook'), 'q?'],
        /no retrieval index in .*none/],
      [['rag', 'ask', '--index', path.join(root, 'idx'), '--checkpoint', path.join(root, 'openbook')],
        /takes one question in quotes \(got 0 arguments\)/],
      [['rag', 'ask', '--index', path.join(root, 'idx'), '--checkpoint', path.join(root, 'openbook'), '--k', '0', 'q?'],
        /--k must be at least 1/],
      [['rag', 'frobnicate'], /unknown subcommand 'frobnicate'; use index or ask/],
    ];
    for (const [argv, want] of cases) {
      const r = await gptLab(...argv);
      expect(r.code, argv.join(' ')).to.equal(1);
      expect(r.err.split('\n').length, r.err).to.equal(1);
      expect(r.err).to.match(want);
    }
    expect(fs.existsSync(path.join(root, 'x'))).to.equal(false);
  });
});
