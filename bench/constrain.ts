// Constrained decoding speed: building the (state × token) index for a JSON schema over a ~1000-token
// byte-level BPE vocabulary (trained here on the task world's pretraining corpus), and the cost of one masked
// decoding step with the index (mask the logits, pick, advance) against the same step without it (every
// token's string walked through the DFA at every step), in the same run.
//
//   npx tsc -p . && node dist/bench/index.js constrain      (prints JSON)
//
// The "model" is random logits, so the numbers are the mask's own cost, not a forward pass.

import { ObjectSchema, advance, buildTokenIndex, compileDfa, dfaWalk, forcedTokens, isComplete, maskLogits, schemaPattern } from '../src/constrain';
import { corpusTexts, makeWorld, pretrainingCorpus } from '../src/data';
import { Rng } from '../src/data/rng';
import { train } from '../src/tokenizer';

/** The schema measured: one of each property kind. */
export const BENCH_SCHEMA: ObjectSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', maxLength: 24 },
    town: { enum: ['Ashford', 'Brookvale', 'Cinderfell', 'Dunmore'] },
    age: { type: 'integer' },
    married: { type: 'boolean' },
  },
  required: ['name', 'town', 'age', 'married'],
  additionalProperties: false,
};

export interface ConstrainBenchOptions {
  /** BPE vocabulary size (default 1024). */
  vocabSize?: number;
  /** Constrained outputs generated per timing (default 200). */
  outputs?: number;
}

/** Best of n timings of fn, in ms. */
function bestMs(n: number, fn: () => void): number {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Runs the benchmark (see the file header). */
export async function runConstrainBench(opts: ConstrainBenchOptions = {}): Promise<Record<string, unknown>> {
  const vocabSize = opts.vocabSize ?? 1024;
  const outputs = opts.outputs ?? 200;
  const tok = train([...corpusTexts(pretrainingCorpus(makeWorld()))], { vocabSize, specialTokens: ['<|endoftext|>'] });
  const eosId = tok.vocabSize - 1;
  const vocab = Array.from({ length: tok.vocabSize }, (_, id) => (id === eosId ? '' : tok.decode([id])));
  const pattern = schemaPattern(BENCH_SCHEMA);
  const dfa = compileDfa(pattern);
  let ix = buildTokenIndex(dfa, vocab, { eosId });
  const buildMs = bestMs(3, () => { ix = buildTokenIndex(dfa, vocab, { eosId }); });
  const V = vocab.length;

  // The states a run of `outputs` constrained outputs visits (random logits, greedy, forced runs inserted).
  const rng = new Rng(1);
  const logits = new Float32Array(V);
  const states: number[] = [];
  let forced = 0;
  for (let o = 0; o < outputs; o++) {
    let state = 0;
    for (let guard = 0; guard < 1000; guard++) {
      const f = forcedTokens(ix, state);
      forced += f.ids.length;
      state = f.state;
      for (let t = 0; t < V; t++) logits[t] = rng.next();
      states.push(state);
      maskLogits(ix, state, logits);
      let best = 0;
      for (let t = 1; t < V; t++) if (logits[t] > logits[best]) best = t;
      if (best === eosId) break;
      state = advance(ix, state, best);
      if (isComplete(ix, state) && rng.next() < 0.5) break;
    }
  }
  // One masked step: fresh logits (a copy, the same in both), then the mask. With the index it is a row
  // lookup; the reference walks every token's string through the DFA at every step.
  const fresh = Float32Array.from({ length: V }, () => rng.next());
  const indexedMs = bestMs(5, () => {
    for (const s of states) { logits.set(fresh); maskLogits(ix, s, logits); }
  });
  const naiveMs = bestMs(3, () => {
    for (const s of states) {
      logits.set(fresh);
      for (let t = 0; t < V; t++) {
        const ok = t === eosId ? dfa.accept[s] : vocab[t] !== '' && dfaWalk(dfa, s, vocab[t]) !== -1;
        if (!ok) logits[t] = -Infinity;
      }
    }
  });
  const usPerStep = (ms: number) => (1000 * ms) / states.length;
  return {
    vocabSize: V,
    pattern,
    dfaStates: dfa.accept.length,
    indexBuildMs: +buildMs.toFixed(2),
    indexBytes: dfa.accept.length * V * (4 + 1),
    outputs,
    maskedSteps: states.length,
    forcedTokens: forced,
    // forward passes forcing saves: the forced tokens' share of all tokens written
    forcedShare: +(forced / (forced + states.length)).toFixed(3),
    usPerMaskedStep: { indexed: +usPerStep(indexedMs).toFixed(2), walkEveryToken: +usPerStep(naiveMs).toFixed(2) },
    speedupOverWalk: +(naiveMs / indexedMs).toFixed(1),
  };
}

if (require.main === module) {
  runConstrainBench().then((r) => console.log(JSON.stringify(r, null, 2)), (e) => { console.error(e); process.exitCode = 1; });
}
