// Lesson 8 of retrieval: teaching the chat model to answer from passages in its context.
//
// The SFT model answers from memory: it was never shown a passage. Retrieval-augmented answering
// needs a model that reads the passages it is given and copies the answer out of the right one,
// ignoring the others. So it is fine-tuned once more, on open-book conversations
// (src/data/world/open-book.ts's format: each passage framed by <|passage_start|> <|passage_end|>,
// then the question; the reply is the fact's sentence, the only part the loss sees):
//
//   <|passage_start|>Zevim is 41 years old.<|passage_end|><|passage_start|>Kiki is a cat.<|passage_end|>
//   Question: How old is Zevim?  →  Zevim is 41 years old.
//
// The questions are about OTHER invented worlds (openBookWorld: the same sizes, other seeds, none of
// them held out), never about the stage world: their names are new to the model, so memory cannot
// answer and only reading the passage can (trained on the stage world's public entities, whose facts
// pretraining stated, the model learns to answer from memory and ignore the passages). Many worlds, not
// one: trained on one second world (~90 entities), the model memorised that world's facts, a shortcut
// easier than copying, and scored 5-8% on held-out questions even with the right passage given. No held-out
// fact the notebook scores is in the training data, not even as a masked passage. Passages are single
// facts (as the fact chunker cuts them) or, in a fraction of the examples, whole documents; the right
// one sits at a random position among 0..maxDistractors distractors, half of them other facts of the
// same entity (what a retriever that matched the name returns), half facts of other entities.
//
// Left out: training on retrieved passages (the retriever's own mistakes), several right passages.

import { assert, GptLabError } from '../util/assert';
import { ChatTokenizer } from '../data/char-tokenizer';
import { RenderedConversation } from '../data/conversation';
import { Rng, hashSeed } from '../data/rng';
import { Doc } from '../data/world/documents';
import { Fact, factsOf } from '../data/world/facts';
import { renderOpenBook } from '../data/world/open-book';
import { World, entities, makeWorld, makeWorldConfig } from '../data/world/world';
import { documentStore } from '../data/world/documents';
import { ChatModel } from '../sample/chat';
import { Checkpoint } from '../train/checkpoint';
import { StageSave, TrainedModel, TrainHooks } from '../train/world';
import { makeSftTrainConfig, SftTrainConfig, SftTrainer } from '../sft/train';
import { factId } from './chunk';
import { OpenBookSettings } from './settings';

/** One open-book training conversation. */
export interface OpenBookSftExample {
  fact: Fact;
  /** The passages in prompt order. */
  passages: Doc[];
  /** Where the right passage is (0-based). */
  position: number;
  rendered: RenderedConversation;
}

/**
 * The world the open-book examples come from: the stage world's sizes with another seed, nothing held
 * out; entities whose names the stage world also uses are left out (held out of the examples).
 *
 *   openBookWorld(makeWorld(), 1001).people.length → about 60, none named like a stage-world person
 */
export function openBookWorld(stage: World, seed: number): World {
  assert(seed !== stage.config.seed, () => `openBookWorld: seed ${seed} is the stage world's own; use another`);
  const w = makeWorld(makeWorldConfig({ ...stage.config, seed, heldOut: 0 }));
  const taken = new Set(entities(stage).map((e) => e.name));
  for (const e of entities(w)) if (taken.has(e.name)) (e as { heldOut: boolean }).heldOut = true;
  return w;
}

/**
 * The worlds the open-book examples come from: seeds worldSeed, worldSeed + 1, ... (s.worlds of them),
 * the stage world's own seed skipped.
 *
 *   openBookWorlds(makeWorld(), { worldSeed: 1001, worlds: 3 }).map((w) => w.config.seed) → [1001, 1002, 1003]
 */
export function openBookWorlds(stage: World, s: Pick<OpenBookSettings, 'worldSeed' | 'worlds'>): World[] {
  assert(Number.isInteger(s.worlds) && s.worlds >= 1, () => `worlds ${s.worlds} must be a positive integer`);
  const out: World[] = [];
  for (let seed = s.worldSeed; out.length < s.worlds; seed++) {
    if (seed !== stage.config.seed) out.push(openBookWorld(stage, seed));
  }
  return out;
}

/** A fact as a one-sentence passage: id 'person-3/job', title the entity. */
export function factPassage(f: Fact): Doc {
  return { id: factId(f), title: f.entityId, text: f.sentence };
}

/**
 * Example i of the open-book data: a training entity's fact, its question, the right passage among
 * distractors, rendered with the passage tokens. Distractors are dropped from the end until the
 * conversation fits blockSize. A function of (seed, i) alone.
 *
 *   openBookSftExample(world, tok, 256, { maxDistractors: 2, documents: 0 }, 1, 0).passages.length → 1..3
 */
export function openBookSftExample(world: World, tok: ChatTokenizer, blockSize: number,
  s: Pick<OpenBookSettings, 'maxDistractors' | 'documents'>, seed: number, i: number): OpenBookSftExample {
  assert(Number.isInteger(s.maxDistractors) && s.maxDistractors >= 0,
    () => `maxDistractors ${s.maxDistractors} must be a non-negative integer`);
  const rng = new Rng(hashSeed(seed, 0x0b00c, i));
  const publicEntities = entities(world).filter((e) => !e.heldOut);
  const e = rng.pick(publicEntities);
  const facts = factsOf(world, e);
  const fact = rng.pick(facts);
  const count = rng.int(0, s.maxDistractors + 1);
  let right: Doc, distractors: Doc[];
  if (rng.next() < s.documents) {
    const docs = documentStore(world).filter((d) => publicEntities.some((p) => p.id === d.id));
    right = docs.find((d) => d.id === e.id)!;
    distractors = rng.shuffle(docs.filter((d) => d.id !== e.id)).slice(0, count);
  } else {
    right = factPassage(fact);
    const hard = rng.shuffle(facts.filter((f) => f !== fact)).map(factPassage);
    const easy = rng.shuffle(publicEntities.filter((p) => p.id !== e.id)).slice(0, count)
      .map((p) => factPassage(rng.pick(factsOf(world, p))));
    distractors = [];
    for (let j = 0; distractors.length < count; j++) {
      const from = j % 2 === 0 && hard.length > 0 ? hard : easy;
      distractors.push(from.shift()!);
    }
  }
  const position = rng.int(0, distractors.length + 1);
  for (let n = distractors.length; n >= 0; n--) {
    const passages = [...distractors.slice(0, n)];
    const at = Math.min(position, n);
    passages.splice(at, 0, right);
    const rendered = renderOpenBook(tok, passages, fact.question, fact.sentence);
    if (rendered.ids.length <= blockSize) return { fact, passages, position: at, rendered };
  }
  throw new GptLabError(
    `fact ${factId(fact)} with its passage alone exceeds blockSize ${blockSize}; use a longer context`);
}

/**
 * The open-book training and validation conversations (validation from another seed): example i asks
 * about worlds[i % worlds.length].
 *
 *   openBookSftData(openBookWorlds(world, settings), tok, 256, settings, 1).train.length → settings.examples
 */
export function openBookSftData(
  worlds: readonly World[], tok: ChatTokenizer, blockSize: number, s: OpenBookSettings, seed: number,
):
  { train: RenderedConversation[]; val: RenderedConversation[] } {
  assert(worlds.length > 0, () => 'openBookSftData needs at least one world');
  const take = (n: number, sd: number) => Array.from({ length: n },
    (_, i) => openBookSftExample(worlds[i % worlds.length], tok, blockSize, s, sd, i).rendered);
  return { train: take(s.examples, seed), val: take(s.valExamples, seed + 1000) };
}

/** What openbook.extra records in a finished checkpoint. */
export interface OpenBookExtra {
  done: boolean;
  /** The checkpoint it started from. */
  from: string;
  seconds?: number;
  examples?: number;
}

/**
 * Fine-tunes `start.model` in place on open-book conversations (or continues `resume`, an unfinished
 * checkpoint of this stage), checkpointing into save.dir and saving the finished model there once
 * (stage 'openbook'). The caller owns the returned model.
 */
export async function fineTuneOpenBook(start: ChatModel, world: World, s: OpenBookSettings, save: StageSave,
  opts: TrainHooks & { resume?: Checkpoint; from: string }): Promise<TrainedModel> {
  const config = makeSftTrainConfig(opts.resume !== undefined ? opts.resume.state.train as SftTrainConfig : s.train);
  const data = openBookSftData(openBookWorlds(world, s), start.tok, start.model.config.blockSize, s, config.seed);
  const trainer = new SftTrainer(start.model, start.tok, data, config);
  if (opts.resume !== undefined) trainer.restore(opts.resume);
  opts.onStart?.({ model: start.model, steps: config.maxSteps, resumedFrom: trainer.step });
  const record = { ...save.record, stage: 'openbook' as const };
  const started = performance.now();
  const last = await trainer.run({
    onStep: opts.onStep, onEval: opts.onEval, checkpointDir: save.dir, saveAtEnd: false,
    checkpointExtra: { ...record, extra: { from: opts.from, done: false } satisfies OpenBookExtra },
  });
  const extra: OpenBookExtra = {
    from: opts.from, done: true, seconds: (performance.now() - started) / 1000, examples: data.train.length,
  };
  const { state } = trainer.save(
    save.dir, { ...record, extra: { ...extra } }, { trainLoss: last.trainLoss, valLoss: last.valLoss });
  trainer.optimizer.dispose();
  return { model: start.model, state };
}
