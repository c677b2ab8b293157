// Chunkers: windows by hand, spans that point at the chunk's own text, every fact held by its chunk.

import { expect } from 'chai';
import { chunkHolds, chunkWorld, documentChunks, factChunks, factSpans, makeWindowConfig, windowChunks } from '../../src/retrieval';
import { documentStore } from '../../src/data/world/documents';
import { factsOf } from '../../src/data/world/facts';
import { entities, makeWorld, makeWorldConfig } from '../../src/data/world/world';
import { GptLabError } from '../../src/util/assert';

const doc = (text: string) => ({ id: 'd', title: 'd', text });

describe('windowChunks', () => {
  it('cuts windows of size words, overlapping by overlap words, the last one reaching the end', () => {
    expect(windowChunks([doc('a b c d e f')], { size: 3, overlap: 1 }).map((c) => c.text)).to.deep.equal(['a b c', 'c d e', 'e f']);
    expect(windowChunks([doc('a b c d e')], { size: 3, overlap: 1 }).map((c) => c.text)).to.deep.equal(['a b c', 'c d e']);
    expect(windowChunks([doc('a b c d e')], { size: 2, overlap: 0 }).map((c) => c.text)).to.deep.equal(['a b', 'c d', 'e']);
    expect(windowChunks([doc('a b')], { size: 5, overlap: 2 }).map((c) => c.text)).to.deep.equal(['a b']);
  });

  it('keeps the document text between its first and last word, with ids and spans', () => {
    const [first, second] = windowChunks([doc('Tafa is  a smith. Tafa lives')], { size: 4, overlap: 2 });
    expect(first).to.deep.equal({ id: 'd@0', docId: 'd', text: 'Tafa is  a smith.', start: 0, end: 17 });
    expect(second).to.deep.equal({ id: 'd@2', docId: 'd', text: 'a smith. Tafa lives', start: 9, end: 28 });
  });

  it('rejects an overlap as large as the window', () => {
    expect(() => makeWindowConfig({ size: 3, overlap: 3 })).to.throw(GptLabError, /overlap 3 must be in 0..2/);
  });
});

describe('chunks of the world', () => {
  const world = makeWorld(makeWorldConfig({}, 'tiny'));
  const docs = new Map(documentStore(world).map((d) => [d.id, d.text]));

  it("every chunker's spans point at the chunk's own text in its document", () => {
    for (const chunker of ['fact', 'document', 'window'] as const) {
      for (const c of chunkWorld(world, chunker, { size: 5, overlap: 2 })) expect(docs.get(c.docId)!.slice(c.start, c.end)).to.equal(c.text);
    }
  });

  it('one chunk per fact and one per document, with unique ids', () => {
    const facts = entities(world).flatMap((e) => factsOf(world, e));
    const fc = factChunks(world);
    expect(fc.map((c) => c.text)).to.deep.equal(facts.map((f) => f.sentence));
    expect(new Set(fc.map((c) => c.id)).size).to.equal(facts.length);
    expect(documentChunks(documentStore(world)).length).to.equal(entities(world).length);
  });

  it("each fact's span is held by its fact chunk and its document chunk, and by no other document's", () => {
    const spans = factSpans(world);
    const fc = factChunks(world), dc = documentChunks(documentStore(world));
    for (const [id, span] of spans) {
      expect(fc.filter((c) => chunkHolds(c, span)).map((c) => c.id)).to.deep.equal([id]);
      expect(dc.filter((c) => chunkHolds(c, span)).map((c) => c.id)).to.deep.equal([span.docId]);
    }
  });

  it('windows wider than any sentence hold every fact at least once; a window cutting a sentence holds nothing of it', () => {
    const wc = windowChunks(documentStore(world), { size: 8, overlap: 5 });
    for (const span of factSpans(world).values()) expect(wc.some((c) => chunkHolds(c, span))).to.equal(true);
    expect(chunkHolds({ id: 'x', docId: 'town-0', text: '', start: 0, end: 30 }, { docId: 'town-0', start: 23, end: 48 })).to.equal(false);
    expect(chunkHolds({ id: 'x', docId: 'town-1', text: '', start: 0, end: 60 }, { docId: 'town-0', start: 23, end: 48 })).to.equal(false);
  });
});
