import { expect } from 'chai';
import { base64Key, bytesKey, keyBytes, toBase64, toWellFormed, utf8Decode, utf8Encode } from '../../src/tokenizer/bytes';
import { seeded } from './helpers';

describe('tokenizer/bytes', () => {
  it('encodes UTF-8 as the doc comments say', () => {
    expect(Array.from(utf8Encode('hé'))).to.deep.equal([104, 195, 169]);
    expect(utf8Decode(Uint8Array.of(104, 195, 169))).to.equal('hé');
  });

  it('decodes invalid UTF-8 to U+FFFD instead of throwing', () => {
    expect(utf8Decode(Uint8Array.of(104, 195))).to.equal('h\uFFFD');
    expect(utf8Decode(Uint8Array.of(0xff, 0xfe, 0x41))).to.equal('\uFFFD\uFFFDA');
  });

  it('keeps a leading byte-order mark as text', () => {
    expect(utf8Decode(utf8Encode('\uFEFFx'))).to.equal('\uFEFFx');
  });

  it('writes U+FFFD for a lone surrogate, as toWellFormed does', () => {
    expect(utf8Decode(utf8Encode('a\uD83Db'))).to.equal('a\uFFFDb');
    expect(toWellFormed('a\uD83Db\uDE00')).to.equal('a\uFFFDb\uFFFD');
    expect(toWellFormed('a😀')).to.equal('a😀');
  });

  it('round-trips base64 like Buffer does, for every length mod 3', () => {
    const rand = seeded(3);
    for (let n = 0; n < 40; n++) {
      const bytes = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      const b64 = toBase64(bytes);
      expect(b64).to.equal(Buffer.from(bytes).toString('base64'));
      expect(base64Key(b64)).to.equal(bytesKey(bytes));
      expect(Array.from(keyBytes(base64Key(b64)!))).to.deep.equal(Array.from(bytes));
    }
  });

  it('rejects text that is not base64', () => {
    expect(base64Key('a?')).to.equal(undefined);
    expect(base64Key('abcde')).to.equal(undefined);
    expect(base64Key('é===')).to.equal(undefined);
  });

  it('makes one-char-per-byte keys and reads them back', () => {
    expect(bytesKey(Uint8Array.of(104, 105))).to.equal('hi');
    expect(bytesKey([255])).to.equal('\u00ff');
    expect(Array.from(keyBytes('hi'))).to.deep.equal([104, 105]);
  });
});
