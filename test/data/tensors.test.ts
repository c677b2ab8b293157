import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs';
import { batchAt, packDocuments, padForNextToken, padSequences, paddedToTensors, shiftedToTensors, toTensors } from '../../src/data';

describe('data/tensors', () => {
  before(async () => {
    await tf.ready();
  });

  it('turns a batch into int32 tensors of shape [B, T] without leaking', () => {
    const s = packDocuments(['ab', 'cde'], (t) => [...t].map((c) => ' abcde'.indexOf(c)), { eotId: 0, vocabSize: 6 });
    const before = tf.memory().numTensors;
    const sums = tf.tidy(() => {
      const { x, y } = toTensors(batchAt(s, [0, 3], 3));
      expect(x.shape).to.deep.equal([2, 3]);
      expect(x.dtype).to.equal('int32');
      expect(y.arraySync()).to.deep.equal([[2, 0, 3], [4, 5, 0]]);
      return x.sum().arraySync();
    });
    expect(sums).to.equal(15);
    expect(tf.memory().numTensors).to.equal(before);
  });

  it('turns padded batches into int32 tensors', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const p = paddedToTensors(padSequences([{ ids: [5, 6, 7] }, { ids: [8] }], { padId: 0, side: 'right' }));
      expect(p.ids.arraySync()).to.deep.equal([[5, 6, 7], [8, 0, 0]]);
      expect(p.lastIndex.arraySync()).to.deep.equal([2, 0]);
      const q = shiftedToTensors(padForNextToken([{ ids: [5, 6, 7], mask: [0, 1, 1] }, { ids: [8, 9] }], { padId: 0, side: 'right' }));
      expect(q.lossMask.arraySync()).to.deep.equal([[1, 1], [1, 0]]);
      expect(q.attentionMask.dtype).to.equal('int32');
    });
    expect(tf.memory().numTensors).to.equal(before);
  });
});
