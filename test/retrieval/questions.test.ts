// Retrieval questions: paraphrases share no word with their fact's sentence but the name, never
// give the answer away, and point at their fact's span.

import { expect } from 'chai';
import { paraphrase, retrievalQuestions } from '../../src/retrieval';
import { words } from '../../src/data/world/answers';
import { documentStore } from '../../src/data/world/documents';
import { factsOf } from '../../src/data/world/facts';
import { entities, makeWorld } from '../../src/data/world/world';

describe('retrieval questions', () => {
  const world = makeWorld();

  it('paraphrases share only the entity name with the fact sentence, for every fact of the world', () => {
    for (const e of entities(world)) {
      for (const f of factsOf(world, e)) {
        const p = paraphrase(world, f);
        const shared = words(p).filter((w) => words(f.sentence).includes(w));
        expect(shared, `${p} / ${f.sentence}`).to.deep.equal(words(e.name));
        expect(p).to.not.equal(f.question);
      }
    }
  });

  it('paraphrases never contain the answer', () => {
    for (const e of entities(world)) {
      for (const f of factsOf(world, e)) {
        const answer = f.expected.kind === 'number' ? String(f.expected.value) : f.expected.value.toLowerCase();
        expect(words(paraphrase(world, f))).to.not.include(answer);
      }
    }
  });

  it('asks about held-out entities only, one question per fact, each pointing at its sentence', () => {
    const docs = new Map(documentStore(world).map((d) => [d.id, d.text]));
    const heldOut = new Set(entities(world).filter((e) => e.heldOut).map((e) => e.id));
    const all = retrievalQuestions(world, 'literal');
    expect(all.length).to.equal(entities(world).filter((e) => e.heldOut).reduce((n, e) => n + factsOf(world, e).length, 0));
    for (const q of all) {
      expect(heldOut.has(q.span.docId)).to.equal(true);
      const sentence = docs.get(q.span.docId)!.slice(q.span.start, q.span.end);
      expect(words(sentence)).to.include(q.expected.kind === 'number' ? String(q.expected.value) : q.expected.value.toLowerCase());
    }
  });

  it('gives the two wordings of the same facts in the same order', () => {
    const lit = retrievalQuestions(world, 'literal', 'test'), par = retrievalQuestions(world, 'paraphrased', 'test');
    expect(par.map((q) => q.factId)).to.deep.equal(lit.map((q) => q.factId));
    expect(par.every((q, i) => q.question !== lit[i].question)).to.equal(true);
  });
});
