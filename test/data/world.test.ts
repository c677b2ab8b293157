// The generated world: determinism, the held-out split, and the size of its vocabulary.

import { expect } from 'chai';
import {
  Task, WorldConfig, arithmeticTask, calculatorTask, corpusTexts, documentStore, entities, factPool, factsTask, hashSeed,
  makeWorld, makeWorldConfig, preferenceTask, pretrainingCorpus, publicEntities, retrievalTask, sftTask, take, Rng,
} from '../../src/data';
import { GptLabError } from '../../src/util/assert';

const ASCII = /^[\n\x20-\x7e]*$/;

describe('data/rng', () => {
  it('is reproducible from its seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(42)).to.deep.equal(draw(42));
    expect(draw(42)).to.not.deep.equal(draw(43));
    expect(new Rng(42).next()).to.equal(0.711895985994488);
  });

  it('mixes seeds and indices, order mattering', () => {
    expect(hashSeed(1, 0)).to.equal(2859599292);
    expect(hashSeed(1, 2)).to.not.equal(hashSeed(2, 1));
    expect(hashSeed(2 ** 40)).to.not.equal(hashSeed(0)); // high bits count
    expect(() => hashSeed(1.5)).to.throw(GptLabError, 'part 1.5');
  });

  it('draws integers in range and shuffles into a permutation', () => {
    const r = new Rng(3);
    for (let k = 0; k < 1000; k++) expect(r.int(-2, 3)).to.be.within(-2, 2);
    const p = r.shuffle([0, 1, 2, 3, 4, 5]);
    expect([...p].sort()).to.deep.equal([0, 1, 2, 3, 4, 5]);
    expect(() => r.int(3, 3)).to.throw(GptLabError, 'lo=3, hi=3');
  });
});

describe('data/world', () => {
  const small = makeWorld();

  it('is the same world for the same seed and another for another seed', () => {
    expect(makeWorld(makeWorldConfig({ seed: 1 }))).to.deep.equal(small);
    const other = makeWorld(makeWorldConfig({ seed: 2 }));
    expect(other.people.map((p) => p.name)).to.not.deep.equal(small.people.map((p) => p.name));
  });

  it('gives every entity a unique invented name and valid references', () => {
    const all = entities(small);
    expect(all).to.have.length(8 + 60 + 40);
    expect(new Set(all.map((e) => e.name.toLowerCase())).size).to.equal(all.length);
    for (const p of small.people) expect(small.byId.get(p.town)?.kind).to.equal('town');
    for (const a of small.animals) expect(small.byId.get(a.owner)?.kind).to.equal('person');
    expect(small.people.filter((p) => p.heldOut)).to.have.length(15);
    expect(small.animals.filter((a) => a.heldOut)).to.have.length(10);
  });

  it('checks its config, naming the field', () => {
    expect(() => makeWorldConfig({ people: 0 })).to.throw(GptLabError, 'world people 0');
    expect(() => makeWorldConfig({ heldOut: 1 })).to.throw(GptLabError, 'heldOut 1');
  });

  it('never mentions a held-out person or animal in pretraining text', () => {
    const corpus = pretrainingCorpus(small, { size: 3000 });
    const text = [...corpusTexts(corpus)].join('\n');
    const heldOut = entities(small).filter((e) => e.heldOut);
    expect(heldOut.length).to.be.greaterThan(0);
    for (const e of heldOut) expect(text.includes(e.name), `${e.name} leaked into pretraining`).to.equal(false);
  });

  it('covers every public entity in the first documents of the corpus', () => {
    const pub = publicEntities(small);
    const corpus = pretrainingCorpus(small, { size: 500 });
    const ids = new Set(Array.from({ length: pub.length }, (_, i) => corpus.document(i)).map((d) => (d.kind === 'entity' ? d.entityId : '')));
    expect(ids.size).to.equal(pub.length);
    expect(corpus.document(0).text).to.equal(documentStore(small)[0].text);
  });

  it('keeps the world text ASCII and its character set small', () => {
    const corpus = pretrainingCorpus(small, { size: 2000 });
    const text = [...corpusTexts(corpus)].join('\n');
    expect(ASCII.test(text)).to.equal(true);
    expect(new Set(text).size).to.be.at.most(64);
    expect(new Set(text.toLowerCase().match(/[a-z]+/g)).size).to.be.at.most(200); // names included
  });

  it('separates the facts kept for evaluation from those for SFT', () => {
    const train = factPool(small, false, 'train');
    const test = factPool(small, false, 'test');
    const key = (f: { entityId: string; attribute: string }) => `${f.entityId}/${f.attribute}`;
    expect(test.length).to.be.greaterThan(0);
    expect(train.filter((f) => test.some((g) => key(g) === key(f)))).to.deep.equal([]);
    expect(train.length + test.length).to.equal(factPool(small, false, 'all').length);
  });
});

describe('data/world tasks: determinism and laziness', () => {
  const world = makeWorld();
  const tasksFor = (seed: number, size = 1000): Task<unknown>[] => [
    factsTask(world, { seed, size }), retrievalTask(world, { seed, size, distractors: 2 }), arithmeticTask({ seed, size }),
    calculatorTask({ seed, size }), sftTask(world, { seed, size }), preferenceTask(world, { seed, size }),
  ];

  it('gives the same examples for the same seed and other examples for another seed', () => {
    const a = tasksFor(1);
    const b = tasksFor(1);
    const c = tasksFor(2);
    for (let k = 0; k < a.length; k++) {
      const ea = take(a[k], 20);
      expect(ea, a[k].name).to.deep.equal(take(b[k], 20));
      expect(ea, a[k].name).to.not.deep.equal(take(c[k], 20));
    }
  });

  it('addresses example i directly: the same whether or not earlier ones were made', () => {
    for (const t of tasksFor(5, 300_000)) {
      const late = t.example(299_999);
      take(t, 10);
      expect(t.example(299_999), t.name).to.deep.equal(late);
    }
  });

  it('rejects an index outside the task', () => {
    expect(() => arithmeticTask({ size: 10 }).example(10)).to.throw(GptLabError, 'example index 10 is outside 0..9');
    expect(() => factsTask(world, { size: 0 })).to.throw(GptLabError, 'task size 0');
  });

  it('writes ASCII only, and its reference answers pass its own scorer', () => {
    for (const t of tasksFor(3)) {
      for (const ex of take(t, 200)) expect(ASCII.test(JSON.stringify(ex)), t.name).to.equal(true);
    }
    for (const t of [factsTask(world), retrievalTask(world), arithmeticTask(), calculatorTask(), sftTask(world)]) {
      for (const ex of take(t, 200)) {
        const msgs = ex.conversation.messages;
        const last = msgs[msgs.length - 1];
        const reply = last.role === 'assistant' ? last.parts.map((p) => (p.kind === 'text' ? p.text : '')).join('') : '';
        expect(t.evaluate(ex, reply), `${t.name} #${ex.index}: ${reply}`).to.equal(true);
      }
    }
  });

  it('puts the supporting document of a retrieval question in its prompt', () => {
    const store = documentStore(world);
    const t = retrievalTask(world, { distractors: 3, split: 'test' });
    for (const ex of take(t, 50)) {
      const doc = store.find((d) => d.id === ex.docId)!;
      expect(world.byId.get(ex.docId)!.heldOut).to.equal(true);
      const prompt = ex.conversation.messages[0];
      expect(prompt.role === 'user' && prompt.text.includes(`Document: ${doc.text}`)).to.equal(true);
      expect(prompt.role === 'user' && prompt.text.split('\n').length).to.equal(5);
    }
  });

  it('works on the tiny preset too', () => {
    const tiny = makeWorld(makeWorldConfig({}, 'tiny') as WorldConfig);
    expect(take(factsTask(tiny, { split: 'test' }), 3)).to.have.length(3);
    expect(take(retrievalTask(tiny), 3)).to.have.length(3);
  });
});
