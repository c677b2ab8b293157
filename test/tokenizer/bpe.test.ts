import { expect } from 'chai';
import { encodeBasic, trainBasic } from '../../src/tokenizer/base';
import { bpeMerge, mergeLong, mergeShort, NO_MERGE, PairTable } from '../../src/tokenizer/bpe';
import { ChunkCache, hashRange } from '../../src/tokenizer/cache';
import { utf8Encode } from '../../src/tokenizer/bytes';
import { seeded } from './helpers';

describe('tokenizer/bpe (merging with a pair table)', () => {
  it('stores, replaces and finds pairs, growing past its first size', () => {
    const table = new PairTable(4);
    for (let i = 0; i < 1000; i++) table.set(i, i + 1, 5000 + i);
    table.set(3, 4, 42);
    expect(table.size).to.equal(1000);
    expect(table.get(3, 4)).to.equal(42);
    expect(table.get(999, 1000)).to.equal(5999);
    expect(table.get(4, 3)).to.equal(NO_MERGE);
  });

  it('computes a missing pair once with onMiss, remembering NO_MERGE too', () => {
    const calls: string[] = [];
    const table = new PairTable(16, (a, b) => { calls.push(`${a},${b}`); return a === 1 ? 7 : NO_MERGE; });
    expect([table.get(1, 2), table.get(1, 2), table.get(2, 1), table.get(2, 1)]).to.deep.equal([7, 7, NO_MERGE, NO_MERGE]);
    expect(calls).to.deep.equal(['1,2', '2,1']);
  });

  it('starts over past its memo limit, and still answers correctly', () => {
    const table = new PairTable(16, (a, b) => a * 1000 + b, 100);
    for (let i = 0; i < 1000; i++) expect(table.get(i, 7)).to.equal(i * 1000 + 7);
    expect(table.size).to.be.at.most(100);
  });

  it('merges as the doc comment says', () => {
    const table = new PairTable();
    table.set(97, 97, 256);
    table.set(256, 97, 257);
    expect(bpeMerge([97, 97, 97, 98], table)).to.deep.equal([257, 98]);
  });

  it('gives the same result with the heap (long chunks) as with the array scan', () => {
    const rand = seeded(9);
    for (let trial = 0; trial < 200; trial++) {
      const table = new PairTable();
      let next = 6;
      for (let k = 0; k < 40; k++) {
        const a = Math.floor(rand() * next), b = Math.floor(rand() * next);
        if (table.get(a, b) === NO_MERGE) table.set(a, b, next++);
      }
      const ids = Array.from({ length: 1 + Math.floor(rand() * 200) }, () => Math.floor(rand() * 6));
      expect(mergeLong(ids.slice(), table), `trial ${trial}`).to.deep.equal(mergeShort(ids.slice(), table));
    }
  });

  it('equals encodeBasic for a table of learned merges', () => {
    const text = 'the cat sat on the mat; the cat ate the rat. aaaaaaa bbbbbb';
    const merges = trainBasic(text, 300);
    const table = new PairTable();
    merges.forEach(([a, b], i) => table.set(a, b, 256 + i));
    for (const s of [text, 'the rat sat', 'a'.repeat(100), 'cat'.repeat(40)]) {
      expect(bpeMerge(Array.from(utf8Encode(s)), table)).to.deep.equal(encodeBasic(s, merges));
    }
  });
});

describe('tokenizer/cache (chunk cache)', () => {
  it('finds a chunk by its place in another text, and misses others', () => {
    const cache = new ChunkCache(8);
    cache.add('cat', 0, 3, hashRange('cat', 0, 3), [1, 2]);
    const out: number[] = [];
    expect(cache.pushIds('a cat', 2, 5, hashRange('a cat', 2, 5), out)).to.equal(true);
    expect(cache.pushIds('a cab', 2, 5, hashRange('a cab', 2, 5), out)).to.equal(false);
    expect(out).to.deep.equal([1, 2]);
  });

  it('grows past its first size, keeping every entry', () => {
    const cache = new ChunkCache();
    const words = Array.from({ length: 5000 }, (_, i) => `word${i}`);
    words.forEach((w, i) => cache.add(w, 0, w.length, hashRange(w, 0, w.length), [i, i + 1]));
    const out: number[] = [];
    words.forEach((w) => expect(cache.pushIds(` ${w}`, 1, w.length + 1, hashRange(` ${w}`, 1, w.length + 1), out)).to.equal(true));
    expect(out.slice(-2)).to.deep.equal([4999, 5000]);
    expect(cache.size).to.equal(5000);
  });

  it('starts over when full, and stays correct', () => {
    const cache = new ChunkCache(4);
    for (let i = 0; i < 10; i++) cache.add(`w${i}`, 0, 2, hashRange(`w${i}`, 0, 2), [i]);
    expect(cache.size).to.equal(2);
    const out: number[] = [];
    expect(cache.pushIds('w9', 0, 2, hashRange('w9', 0, 2), out)).to.equal(true);
    expect(cache.pushIds('w1', 0, 2, hashRange('w1', 0, 2), out)).to.equal(false);
    expect(out).to.deep.equal([9]);
  });
});
