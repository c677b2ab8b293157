// Streams and batches on a tiny hand-made corpus: a char tokenizer over 'ab', 'cde', 'fg' with
// eot = 0 and a = 1, b = 2, ..., g = 7. Expected arrays are written out by hand.

import { expect } from 'chai';
import {
  Rng, TokenStream, batchAt, batchesPerEpoch, checkFits, docIndexAt, epochBatches, epochOrder, packDocuments,
  randomBatches, sampleBatch, splitStream, streamFromIds, tokenArray,
} from '../../src/data';
import { GptLabError } from '../../src/util/assert';

const encode = (s: string) => [...s].map((c) => ' abcdefg'.indexOf(c));
const pack = (docs: string[]) => packDocuments(docs, encode, { eotId: 0, vocabSize: 8 });

describe('data/stream', () => {
  it('joins documents, each followed by eot, into a Uint16Array', () => {
    const s = pack(['ab', 'cde']);
    expect(s.tokens).to.be.instanceOf(Uint16Array);
    expect(Array.from(s.tokens)).to.deep.equal([1, 2, 0, 3, 4, 5, 0]);
    expect(Array.from(s.docStarts)).to.deep.equal([0, 3]);
    expect(s.firstDoc).to.equal(0);
    expect([0, 1, 2, 3, 6].map((p) => docIndexAt(s, p))).to.deep.equal([0, 0, 0, 1, 1]);
  });

  it('keeps an empty document as a lone eot', () => {
    const s = pack(['a', '', 'b']);
    expect(Array.from(s.tokens)).to.deep.equal([1, 0, 0, 2, 0]);
    expect(Array.from(s.docStarts)).to.deep.equal([0, 2, 3]);
  });

  it('uses Uint32Array when the vocabulary exceeds 65,536', () => {
    expect(tokenArray(65536, 1)).to.be.instanceOf(Uint16Array);
    expect(tokenArray(65537, 1)).to.be.instanceOf(Uint32Array);
    const s = packDocuments(['x'], () => [100000], { eotId: 100276, vocabSize: 100277 });
    expect(s.tokens).to.be.instanceOf(Uint32Array);
    expect(Array.from(s.tokens)).to.deep.equal([100000, 100276]);
  });

  it('grows past its first buffer', () => {
    const s = packDocuments(['x', 'y'], () => new Array(1500).fill(3), { eotId: 0, vocabSize: 8 });
    expect(s.tokens.length).to.equal(3002);
    expect(Array.from(s.docStarts)).to.deep.equal([0, 1501]);
  });

  it('rejects ids outside the vocabulary, naming the id and document', () => {
    expect(() => packDocuments(['ab', 'z'], (t) => (t === 'z' ? [9] : [1]), { eotId: 0, vocabSize: 8 })).to.throw(GptLabError, 'token id 9 at position 0 of document 1');
    expect(() => packDocuments(['ab'], encode, { eotId: 8, vocabSize: 8 })).to.throw(GptLabError, 'token id 8 (eotId)');
    expect(() => packDocuments([], encode, { eotId: 0, vocabSize: 8 })).to.throw(GptLabError, 'no documents');
  });

  it('splits 90/10 by tokens and keeps document indices across the cut', () => {
    const s = pack(['ab', 'cde', 'fg']); // [1, 2, 0, 3, 4, 5, 0, 6, 7, 0]
    const { train, val } = splitStream(s, 0.9);
    expect(Array.from(train.tokens)).to.deep.equal([1, 2, 0, 3, 4, 5, 0, 6, 7]);
    expect(Array.from(train.docStarts)).to.deep.equal([0, 3, 7]);
    expect(Array.from(val.tokens)).to.deep.equal([0]);
    expect(val.firstDoc).to.equal(2);

    const half = splitStream(s, 0.5);
    expect(Array.from(half.train.tokens)).to.deep.equal([1, 2, 0, 3, 4]);
    expect(Array.from(half.train.docStarts)).to.deep.equal([0, 3]);
    expect(Array.from(half.val.tokens)).to.deep.equal([5, 0, 6, 7, 0]);
    expect(Array.from(half.val.docStarts)).to.deep.equal([0, 2]);
    expect(half.val.firstDoc).to.equal(1);
    expect([0, 1, 2, 4].map((p) => docIndexAt(half.val, p))).to.deep.equal([1, 1, 2, 2]);
  });

  it('splits at a document boundary without an empty document', () => {
    const { train, val } = splitStream(pack(['ab', 'cde']), 3 / 7 + 1e-9); // cut at 3
    expect(Array.from(train.docStarts)).to.deep.equal([0]);
    expect(Array.from(val.tokens)).to.deep.equal([3, 4, 5, 0]);
    expect(Array.from(val.docStarts)).to.deep.equal([0]);
    expect(val.firstDoc).to.equal(1);
  });

  it('rejects a split that leaves a part empty', () => {
    expect(() => splitStream(pack(['a']), 0.1)).to.throw(GptLabError, 'empty part');
  });
});

describe('data/batch', () => {
  const s = pack(['ab', 'cde']); // [1, 2, 0, 3, 4, 5, 0]

  it('gathers rows with targets shifted by one and the document of every cell', () => {
    const b = batchAt(s, [0, 3], 3);
    expect(b.shape).to.deep.equal([2, 3]);
    expect(Array.from(b.x)).to.deep.equal([1, 2, 0, 3, 4, 5]);
    expect(Array.from(b.y)).to.deep.equal([2, 0, 3, 4, 5, 0]);
    expect(Array.from(b.docIds)).to.deep.equal([0, 0, 0, 1, 1, 1]);
    expect(Array.from(b.offsets)).to.deep.equal([0, 3]);
  });

  it('marks rows that straddle an eot', () => {
    const b = batchAt(s, [1, 2], 3);
    expect(Array.from(b.x)).to.deep.equal([2, 0, 3, 0, 3, 4]);
    expect(Array.from(b.y)).to.deep.equal([0, 3, 4, 3, 4, 5]);
    expect(Array.from(b.docIds)).to.deep.equal([0, 0, 1, 0, 1, 1]);
  });

  it('gives corpus-wide document ids in a validation stream', () => {
    const { val } = splitStream(pack(['ab', 'cde', 'fg']), 0.5); // [5, 0, 6, 7, 0], docs 1, 2
    const b = batchAt(val, [0], 4);
    expect(Array.from(b.x)).to.deep.equal([5, 0, 6, 7]);
    expect(Array.from(b.y)).to.deep.equal([0, 6, 7, 0]);
    expect(Array.from(b.docIds)).to.deep.equal([1, 1, 2, 2]);
  });

  it('needs B * T + 1 tokens, and says so with the numbers', () => {
    expect(() => checkFits(s, { batchSize: 2, blockSize: 3 })).not.to.throw();
    expect(() => checkFits(s, { batchSize: 2, blockSize: 4 })).to.throw(GptLabError, '2 * 4 + 1 = 9 tokens, but the stream has 7');
    expect(() => sampleBatch(s, { batchSize: 7, blockSize: 1, seed: 0 }, new Rng(0))).to.throw(GptLabError, '= 8 tokens');
    expect(() => [...epochBatches(s, { batchSize: 1, blockSize: 7, seed: 0 }, 0)]).to.throw(GptLabError, '1 * 7 + 1 = 8');
    expect(() => checkFits(s, { batchSize: 0, blockSize: 3 })).to.throw(GptLabError, 'batchSize 0');
    expect(() => batchAt(s, [4], 3)).to.throw(GptLabError, 'row 0 starts at 4');
  });

  it('samples random offsets in 0..n-T-1, reproducibly from the seed', () => {
    const long = streamFromIds(Array.from({ length: 100 }, (_, i) => i % 8), 8);
    const cfg = { batchSize: 4, blockSize: 8, seed: 1337 };
    const a = randomBatches(long, cfg);
    const b = randomBatches(long, cfg);
    const c = randomBatches(long, { ...cfg, seed: 1338 });
    const offsets = (it: Generator<{ offsets: Int32Array }>) => Array.from({ length: 5 }, () => Array.from(it.next().value.offsets));
    const oa = offsets(a);
    expect(oa).to.deep.equal(offsets(b));
    expect(oa).to.not.deep.equal(offsets(c));
    for (const row of oa.flat()) expect(row).to.be.within(0, 100 - 8 - 1);
    const batch = sampleBatch(long, cfg, new Rng(5));
    for (let r = 0; r < 4; r++) {
      const o = batch.offsets[r];
      expect(Array.from(batch.x.subarray(r * 8, r * 8 + 8))).to.deep.equal(Array.from(long.tokens.subarray(o, o + 8)));
      expect(Array.from(batch.y.subarray(r * 8, r * 8 + 8))).to.deep.equal(Array.from(long.tokens.subarray(o + 1, o + 9)));
    }
  });

  it('visits every non-overlapping window once per epoch, shuffled per (seed, epoch)', () => {
    const long: TokenStream = streamFromIds(Array.from({ length: 41 }, (_, i) => i % 8), 8); // 10 windows of 4
    const cfg = { batchSize: 3, blockSize: 4, seed: 7 };
    expect(batchesPerEpoch(long, cfg)).to.equal(3); // 10 windows → 3 batches of 3, one window left over
    const starts = (epoch: number) => [...epochBatches(long, cfg, epoch)].flatMap((b) => Array.from(b.offsets));
    const e0 = starts(0);
    expect(e0).to.have.length(9);
    expect(new Set(e0).size).to.equal(9);
    for (const o of e0) expect(o % 4).to.equal(0);
    expect(e0).to.deep.equal(starts(0));
    expect(e0).to.not.deep.equal(starts(1));
    expect(Array.from(epochOrder(10, 7, 0)).sort((p, q) => p - q)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('covers the hand-made stream in one epoch of two windows', () => {
    const batches = [...epochBatches(s, { batchSize: 2, blockSize: 3, seed: 0 }, 0)];
    expect(batches).to.have.length(1);
    const rows = [0, 1].map((r) => Array.from(batches[0].x.subarray(r * 3, r * 3 + 3)));
    expect(rows.sort()).to.deep.equal([[1, 2, 0], [3, 4, 5]]);
  });
});
