// Open-book training data and the end-to-end pieces: examples about training entities only with the
// right passage where they say, the loss on the reply alone, distractors dropped to fit; hybrid
// ranking, answer ranks and prompt fitting against hand-computed cases; a dense retriever against
// brute-force cosines; given passages with their count and position.

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/backend';
import { entities, makeWorld } from '../../src/data/world/world';
import { GPT, makeConfig } from '../../src/model';
import { CHAT_BPE_SPECIALS, trainChatTokenizer } from '../../src/tokenizer/chat';
import {
  Chunk, Retriever, answerRanks, denseRetriever, embedTexts, factChunks, fitOpenBook, givenPassages, hybridRetriever,
  meanPooledEncoder, openBookSftExample, openBookWorld, openBookWorlds, openBookSftData, retrievalQuestions, formatRate, recallInterval, chunkStats, failureRows,
} from '../../src/retrieval';

const world = makeWorld();
const tok = trainChatTokenizer([], 256 + CHAT_BPE_SPECIALS.length);
const sp = (name: string) => tok.special(name);

describe('openBookSftExample', () => {
  const s = { maxDistractors: 4, documents: 0.3 };
  const examples = Array.from({ length: 200 }, (_, i) => openBookSftExample(world, tok, 256, s, 5, i));

  it('asks only about training entities, with the right passage at its position', () => {
    const heldOut = new Set(entities(world).filter((e) => e.heldOut).map((e) => e.id));
    for (const ex of examples) {
      expect(heldOut.has(ex.fact.entityId)).to.equal(false);
      for (const p of ex.passages) expect(heldOut.has(p.id.split('/')[0])).to.equal(false);
      expect(ex.passages[ex.position].text).to.include(ex.fact.sentence);
      expect(ex.passages.length).to.be.within(1, 5);
    }
    expect(examples.filter((e) => e.passages[e.position].text !== e.fact.sentence).length).to.be.within(30, 90); // whole documents, ~30%
    expect(new Set(examples.map((e) => e.position)).size).to.equal(5);
  });

  it('renders passages between passage tokens and trains only on the reply and <|assistant_end|>', () => {
    const ex = examples.find((e) => e.passages.length === 2)!;
    const { ids, mask } = ex.rendered;
    const want = [sp('<|bos|>'), sp('<|user_start|>'),
      ...ex.passages.flatMap((p) => [sp('<|passage_start|>'), ...Buffer.from(p.text), sp('<|passage_end|>')]),
      ...Buffer.from(`Question: ${ex.fact.question}`), sp('<|user_end|>'), sp('<|assistant_start|>'),
      ...Buffer.from(ex.fact.sentence), sp('<|assistant_end|>')];
    expect(ids).to.deep.equal(want);
    const trained = ids.filter((_, i) => mask[i] === 1);
    expect(trained).to.deep.equal([...Buffer.from(ex.fact.sentence), sp('<|assistant_end|>')]);
  });

  it('draws the fine-tuning world from another seed, leaving out every name the stage world uses', () => {
    const other = openBookWorld(world, 1001);
    const names = new Set(entities(world).map((e) => e.name));
    const used = entities(other).filter((e) => !e.heldOut);
    expect(used.length).to.be.above(80);
    expect(used.filter((e) => names.has(e.name))).to.deep.equal([]);
    const ex = Array.from({ length: 100 }, (_, i) => openBookSftExample(other, tok, 256, s, 5, i));
    for (const e of ex) expect(names.has(other.byId.get(e.fact.entityId)!.name)).to.equal(false);
    expect(() => openBookWorld(world, world.config.seed)).to.throw(/is the stage world's own/);
  });

  it('spreads the examples over many worlds, skipping the stage world\'s seed', () => {
    const ws = openBookWorlds(world, { worldSeed: world.config.seed - 1, worlds: 3 });
    expect(ws.map((w) => w.config.seed)).to.deep.equal([world.config.seed - 1, world.config.seed + 1, world.config.seed + 2]);
    const cfg = { ...s, worldSeed: 1001, worlds: 3, examples: 30, valExamples: 3, train: {} };
    const data = openBookSftData(openBookWorlds(world, cfg), tok, 256, cfg, 5);
    expect(data.train.length).to.equal(30);
    // example i asks about world i % 3: its fact's sentence is one of that world's facts, by name
    const three = openBookWorlds(world, cfg);
    for (let i = 0; i < 30; i++) {
      const ex = openBookSftExample(three[i % 3], tok, 256, cfg, 5, i);
      expect(data.train[i].ids).to.deep.equal(ex.rendered.ids);
    }
    const names = three.map((w) => new Set(entities(w).map((e) => e.name)));
    expect([...names[0]].filter((n) => names[1].has(n)).length).to.be.below(names[0].size / 2);
    expect(() => openBookWorlds(world, { worldSeed: 1001, worlds: 0 })).to.throw(/worlds 0 must be a positive integer/);
  });

  it('drops distractors until the conversation fits, and is a function of (seed, i)', () => {
    for (let i = 0; i < 40; i++) {
      const ex = openBookSftExample(world, tok, 120, { maxDistractors: 6, documents: 0 }, 5, i);
      expect(ex.rendered.ids.length).to.be.at.most(120);
      expect(ex.passages[ex.position].text).to.equal(ex.fact.sentence);
    }
    expect(openBookSftExample(world, tok, 256, s, 5, 7)).to.deep.equal(examples[7]);
  });
});

/** A retriever that returns fixed rankings, one per question in order. */
function fixed(name: string, lists: string[][]): Retriever {
  return { name, search: (qs, k) => qs.map((_, i) => lists[i].slice(0, k).map((id, r) => ({ id, score: -r }))) };
}

describe('hybridRetriever, answerRanks, fitOpenBook', () => {
  it('fuses rankings by reciprocal rank (by hand, k = 60)', () => {
    const h = hybridRetriever([fixed('a', [['a', 'b', 'c']]), fixed('b', [['c', 'a', 'd']])]);
    const got = h.search(['q'], 4)[0];
    // a: 1/61 + 1/62, c: 1/63 + 1/61, b: 1/62, d: 1/63
    expect(got.map((x) => x.id)).to.deep.equal(['a', 'c', 'b', 'd']);
    expect(got[0].score).to.be.closeTo(1 / 61 + 1 / 62, 1e-12);
    expect(got[1].score).to.be.closeTo(1 / 63 + 1 / 61, 1e-12);
    expect(h.search(['q'], 2)[0].map((x) => x.id)).to.deep.equal(['a', 'c']);
  });

  it('ranks the first chunk holding the fact, 0 when none of the first `depth` does', () => {
    const chunks = factChunks(world);
    const qs = retrievalQuestions(world, 'literal').slice(0, 3);
    const other = chunks.find((c) => !qs.some((q) => q.factId === c.id))!.id;
    const r = fixed('f', [[other, qs[0].factId], [other, other + 'x'], [qs[2].factId]]);
    expect(answerRanks(r, chunks, qs, 5)).to.deep.equal([2, 0, 1]);
    expect(answerRanks(r, chunks, qs, 1)).to.deep.equal([0, 0, 1]);
  });

  it('keeps the best-ranked passages that fit, stopping at the first that does not', () => {
    const p = (text: string) => ({ id: text, title: text, text });
    // frame: bos, user_start, 'Question: Q?' (12 bytes), user_end, assistant_start = 16; a passage adds 2 + its bytes
    const got = fitOpenBook(tok, [p('aaaa'), p('bbbbbbbb'), p('cc')], 'Q?', 40, 10);
    expect(got.used.map((x) => x.text)).to.deep.equal(['aaaa']);
    expect(got.ids.length).to.equal(22);
    expect(fitOpenBook(tok, [p('aaaa'), p('bbbbbbbb'), p('cc')], 'Q?', 42, 10).used.length).to.equal(2); // 32 <= 32
    expect(() => fitOpenBook(tok, [], 'Q?', 20, 10)).to.throw(/the question alone takes 16 tokens, over 10/);
  });
});

describe('givenPassages', () => {
  const qs = retrievalQuestions(world, 'literal').slice(0, 20);
  it('puts the right fact among `count` distractors at the position asked, same-entity facts first', () => {
    const first = givenPassages(world, qs, 3, 0, 1), last = givenPassages(world, qs, 3, 99, 1);
    qs.forEach((q, i) => {
      expect(first[i].length).to.equal(4);
      expect(first[i][0].id).to.equal(q.factId);
      expect(last[i][3].id).to.equal(q.factId);
      expect(first[i][1].id.split('/')[0]).to.equal(q.factId.split('/')[0]); // a hard distractor: the same entity
      expect(new Set(first[i].map((p) => p.id)).size).to.equal(4);
    });
    expect(givenPassages(world, qs, 0, 'random', 1).every((ps, i) => ps.length === 1 && ps[0].id === qs[i].factId)).to.equal(true);
  });
});

describe('denseRetriever', function () {
  this.timeout(60_000);
  let model: GPT;
  before(async () => {
    await initBackend({ backend: 'cpu' });
    model = new GPT(makeConfig('tiny', { vocabSize: tok.vocabSize, blockSize: 64, seed: 4 }));
  });
  after(() => model.dispose());

  it('ranks chunks by the cosine of mean-pooled embeddings, as brute force does', () => {
    const chunks: Chunk[] = factChunks(world).slice(0, 30);
    const before = tf.memory().numTensors;
    const r = denseRetriever(model, tok, chunks, meanPooledEncoder(model, 'tiny'), 'dense');
    const questions = ['Where is Dusem?', 'How old is Zevim?'];
    const got = r.search(questions, 3);
    const enc = (s: string) => tok.encode(s);
    const V = tf.tidy(() => embedTexts(model, enc, chunks.map((c) => c.text)).arraySync());
    const Q = tf.tidy(() => embedTexts(model, enc, questions).arraySync());
    const cos = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0) / Math.hypot(...a) / Math.hypot(...b);
    Q.forEach((q, i) => {
      const want = V.map((v, j) => ({ id: chunks[j].id, s: cos(q, v) })).sort((a, b) => b.s - a.s).slice(0, 3);
      expect(got[i].map((h) => h.id)).to.deep.equal(want.map((w) => w.id));
      got[i].forEach((h, j) => expect(h.score).to.be.closeTo(want[j].s, 1e-4));
    });
    // a chunk's own text finds it first
    expect(r.search([chunks[7].text], 1)[0][0].id).to.equal(chunks[7].id);
    r.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });
});

describe('report helpers', () => {
  it('formats a rate with its interval, and counts recall@k from answer ranks', () => {
    expect(formatRate({ estimate: 0.625, lower: 0.5, upper: 0.75, level: 0.95, n: 40 })).to.equal('62.5% [50.0%, 75.0%]');
    expect(recallInterval([1, 3, 0, 1], 1).estimate).to.equal(0.5);
    expect(recallInterval([1, 3, 0, 1], 5).estimate).to.equal(0.75);
    expect(recallInterval([1, 3, 0, 1], 2).n).to.equal(4);
  });

  it('counts tokens per chunk and the mean-sized passages that fit beside the question', () => {
    const chunks = [{ id: 'a', docId: 'a', text: 'abcd', start: 0, end: 4 }, { id: 'b', docId: 'b', text: 'ab', start: 0, end: 2 }];
    // 3 bytes a chunk on average, 5 with its passage tokens; the frame of 'Q?' is 16 tokens: (60 - 10 - 16) / 5 = 6.8 → 6
    expect(chunkStats(tok, chunks, 60, 10, 'Q?')).to.deep.equal({ chunks: 2, 'tokens per chunk': 3, 'passages that fit': 6 });
  });

  it('lists the wrong answers beside the right-passage answers, saying whether retrieval found the fact', () => {
    const qs = retrievalQuestions(world, 'literal').slice(0, 3);
    const p = (id: string) => ({ id, title: id, text: id });
    const retrieved = [
      { question: qs[0].question, passages: [p('x')], answer: 'no', correct: false },
      { question: qs[1].question, passages: [p(qs[1].factId)], answer: 'yes', correct: true },
      { question: qs[2].question, passages: [p('y'), p(qs[2].factId)], answer: 'hm', correct: false },
    ];
    const given = qs.map((q) => ({ question: q.question, passages: [p(q.factId)], answer: 'right', correct: true }));
    const rows = failureRows(retrieved, given, qs, qs.map((q) => [q.factId]), 5);
    expect(rows.map((r) => [r.question, r['right passage retrieved'], r['answer from them']])).to.deep.equal([
      [qs[0].question, 'no', 'no'], [qs[2].question, 'yes', 'hm'],
    ]);
    expect(rows[1]['answer with the right passage given']).to.equal('right (right)');
    expect(failureRows(retrieved, given, qs, qs.map((q) => [q.factId]), 1).length).to.equal(1);
  });
});
