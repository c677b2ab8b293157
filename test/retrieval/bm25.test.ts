// BM25 against scores computed by hand on three chunks, and what MiniSearch itself scores.

import { expect } from 'chai';
import MiniSearch from 'minisearch';
import { BM25Index, Chunk } from '../../src/retrieval';
import { words } from '../../src/data/world/answers';
import { GptLabError } from '../../src/util/assert';

const chunk = (id: string, text: string): Chunk => ({ id, docId: id, text, start: 0, end: text.length });
// Lengths in words: d1 4, d2 6, d3 4; avgdl = 14/3. 'tafa' is in d1 and d3, 'fofum' in d2 and d3.
const chunks = [chunk('d1', 'Tafa is a smith.'), chunk('d2', 'Punar is a farmer in Fofum.'), chunk('d3', 'Tafa lives in Fofum.')];
const N = 3, avgdl = 14 / 3;
const idf = (n: number) => Math.log(1 + (N - n + 0.5) / (n + 0.5)); // both query terms: n = 2 → ln 1.6
const tfPart = (tf: number, dl: number, k1: number, b: number) => (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * dl) / avgdl));

describe('BM25Index', () => {
  it('scores the textbook BM25 (k1 1.2, b 0.75) of a hand case', () => {
    // d1: ln1.6 · 2.2/(1 + 1.2·(0.25 + 0.75·12/14)) = 0.4700036 · 2.2/2.0714286 = 0.4700036 · 1.0620690 = 0.4991763
    // d3: both terms, same length: 2 · 0.4991763 = 0.9983525
    // d2: ln1.6 · 2.2/(1 + 1.2·(0.25 + 0.75·18/14)) = 0.4700036 · 2.2/2.4571429 = 0.4700036 · 0.8953488 = 0.4208172
    const hits = new BM25Index(chunks).search('Tafa Fofum', 3);
    expect(hits.map((h) => h.id)).to.deep.equal(['d3', 'd1', 'd2']);
    expect(hits[0].score).to.be.closeTo(0.9983525, 1e-6);
    expect(hits[1].score).to.be.closeTo(0.4991763, 1e-6);
    expect(hits[2].score).to.be.closeTo(0.4208172, 1e-6);
    expect(hits[2].score).to.be.closeTo(idf(2) * tfPart(1, 6, 1.2, 0.75), 1e-12);
  });

  it('sums over distinct query words: repeating one, or its case and punctuation, changes nothing', () => {
    const index = new BM25Index(chunks);
    expect(index.search('tafa? TAFA, fofum tafa', 3)).to.deep.equal(index.search('Tafa Fofum', 3));
  });

  it('ignores length with b = 0 and adds idf·delta per matched word with BM25+', () => {
    const flat = new BM25Index(chunks, { b: 0 }).scores('Fofum');
    expect(flat.map((h) => h.score)).to.deep.equal([Math.log(1.6), Math.log(1.6)]); // tf part = 2.2/2.2
    const plus = new BM25Index(chunks, { delta: 0.5 }).scores('smith');
    // 'smith' is in d1 only: idf = ln(1 + 2.5/1.5)
    expect(plus[0].score).to.be.closeTo(Math.log(1 + 2.5 / 1.5) * (0.5 + tfPart(1, 4, 1.2, 0.75)), 1e-12);
  });

  it('returns at most k hits and only chunks sharing a word with the query', () => {
    const index = new BM25Index(chunks);
    expect(index.search('smith', 5).map((h) => h.id)).to.deep.equal(['d1']);
    expect(index.search('Tafa Fofum', 2).length).to.equal(2);
    expect(index.search('nothing here', 5)).to.deep.equal([]);
    expect(() => index.search('x', 0)).to.throw(GptLabError, /k \(0\)/);
  });

  it('rejects repeated chunk ids', () => {
    expect(() => new BM25Index([chunks[0], chunks[0]])).to.throw(GptLabError, /ids repeat/);
  });
});

describe("MiniSearch's own scoring (what BM25Index undoes)", () => {
  it('is BM25+ with k 1.2, b 0.7, delta 0.5, times the number of query words matched', () => {
    const ms = new MiniSearch<Chunk>({ fields: ['text'], tokenize: words });
    ms.addAll(chunks);
    const got = new Map(ms.search('Tafa Fofum').map((r) => [r.id, r.score]));
    const plus = (dl: number) => idf(2) * (0.5 + tfPart(1, dl, 1.2, 0.7));
    expect(got.get('d3')).to.be.closeTo(2 * (plus(4) + plus(4)), 1e-12); // two words matched: x2
    expect(got.get('d1')).to.be.closeTo(plus(4), 1e-12);
    expect(got.get('d2')).to.be.closeTo(plus(6), 1e-12);
  });
});
