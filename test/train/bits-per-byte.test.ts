// Bits per byte, by hand: a uniform model over 256 byte values pays 8 bits per byte whatever the
// tokenizer; the same text and the same total loss give the same bits per byte at any tokenization.

import { expect } from 'chai';
import { bitsPerByte, streamBytes } from '../../src/train/bits-per-byte';
import { GptLabError } from '../../src/util/assert';

describe('train/bits-per-byte', () => {
  it('gives 8 bits per byte for a uniform guess over 256 bytes, one byte per token', () => {
    expect(bitsPerByte(Math.log(256), 1000, 1000)).to.be.closeTo(8, 1e-12);
  });

  it('gives 8 bits per byte for a uniform guess over all 65,536 byte pairs, two bytes per token', () => {
    // ln(65536) nats per token = 16 bits per token, each token two bytes
    expect(bitsPerByte(Math.log(65536), 500, 1000)).to.be.closeTo(8, 1e-12);
  });

  it('matches a hand-computed case: 2 nats per token, 100 tokens, 350 bytes → 0.8244 bits per byte', () => {
    // 2 × 100 = 200 nats = 200 / 0.693147 = 288.539 bits, over 350 bytes = 0.824398
    expect(bitsPerByte(2, 100, 350)).to.be.closeTo(0.824398, 1e-6);
  });

  it('is the same for two tokenizations with the same total loss on the same text', () => {
    // char-level: 12 tokens at 1.5 nats = 18 nats; BPE: 4 tokens at 4.5 nats = 18 nats; 12 bytes either way
    expect(bitsPerByte(1.5, 12, 12)).to.be.closeTo(bitsPerByte(4.5, 4, 12), 1e-12);
    expect(bitsPerByte(1.5, 12, 12)).to.be.closeTo(18 / 12 / Math.LN2, 1e-12);
  });

  it('counts the bytes of a stream, each distinct id looked up once', () => {
    let calls = 0;
    const len = (id: number) => { calls++; return [1, 3, 1][id]; };
    expect(streamBytes([0, 1, 1, 2, 1], len)).to.equal(1 + 3 + 3 + 1 + 3);
    expect(calls).to.equal(3);
  });

  it('names a bad loss, a bad count and a bad byte length', () => {
    expect(() => bitsPerByte(NaN, 1, 1)).to.throw(GptLabError, 'the loss NaN');
    expect(() => bitsPerByte(1, 0, 1)).to.throw(GptLabError, 'tokens (0)');
    expect(() => streamBytes([0], () => 1.5)).to.throw(GptLabError, 'byteLength(0) is 1.5');
  });
});
