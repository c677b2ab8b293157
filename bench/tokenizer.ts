// Tokenizer speed: encode throughput of gpt-lab's cl100k_base against js-tiktoken, tiktoken (wasm)
// and gpt-tokenizer, all in this one run (so the ratios hold even on a busy machine), with the ids
// checked identical, measured two ways:
//   - warm: Tiny Shakespeare repeated 4x, encoded once to warm up and then `rounds` times, the best
//     kept. Every chunk is then in gpt-lab's chunk cache, so this mostly measures the cache;
//   - cold: a fresh process per library loads it and encodes Tiny Shakespeare once (text it has never
//     seen, caches empty): what a user encoding a new document pays, load time reported apart. Each
//     library runs `coldRounds` fresh processes, interleaved with the others; the fastest is kept.
//     Ratios come from wall time (speedRatio) and from the encode's CPU time (cpuSpeedRatio, which
//     other processes on a busy machine sway less, though V8's background compiler adds to it).
// Then training a 4096-token vocabulary with the GPT-4 pattern on Tiny Shakespeare, with its time and
// peak memory.
//
//   npx tsc -p . && node dist/bench/tokenizer.js            (prints JSON)
//
// The text comes through the project's dataset code: the download cache, GPTLAB_MIRROR, or the offline
// mirror beside the project; it is never copied into the project.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import { getEncoding, train, type Tokenizer } from '../src/tokenizer';
import { fetchDataset } from '../src/data';
import { mirrorDir } from '../test/helpers/shakespeare';
import { gptTokenizer, jsTiktoken, wasmTiktoken } from '../test/tokenizer/references';
import { assert } from '../src/util/assert';


export interface TokenizerBenchOptions {
  /** The text file (default: Tiny Shakespeare, fetched as the tests do). */
  path?: string;
  /** How many copies of the text to encode as one string (default 4). */
  repeat?: number;
  /** Timed encodes per library, after one warm-up; the best is kept (default 5). */
  rounds?: number;
  /** Cold runs per library (each a fresh process), interleaved across libraries; the fastest is kept (default 3). */
  coldRounds?: number;
  /** Vocabulary size for the training benchmark (default 4096; 0 skips it). */
  trainVocabSize?: number;
}

/** One library's cold run: load and one encode in a fresh process. */
interface ColdResult {
  loadMs: number;
  encodeMs: number;
  /** The encode's CPU time (user + system) in the child: less swayed by other processes than encodeMs. */
  encodeCpuMs: number;
  mbPerS: number;
  tokens: number;
  idsIdenticalToGptLab?: boolean;
}

/** One library's encode result. */
interface EncodeResult {
  loadMs: number;
  bestMs: number;
  mbPerS: number;
  tokens: number;
  idsIdenticalToGptLab?: boolean;
}

/** Runs the benchmark and returns its results (see the file header). */
export async function runTokenizerBench(opts: TokenizerBenchOptions = {}): Promise<Record<string, unknown>> {
  const path = opts.path ?? (await fetchDataset('tinyshakespeare', { mirror: mirrorDir() })).path;
  const repeat = opts.repeat ?? 4, rounds = opts.rounds ?? 5;
  // One flat string, as a file read gives (String.prototype.repeat would build a rope).
  const raw = fs.readFileSync(path);
  const text = Buffer.concat(Array.from({ length: repeat }, () => raw)).toString('utf8');
  const mb = Buffer.byteLength(text) / 1e6;
  // Training first, so its memory is measured before the four encoders are loaded.
  const trainVocabSize = opts.trainVocabSize ?? 4096;
  const trainResult = trainVocabSize > 0 ? timeTraining(raw.toString('utf8'), trainVocabSize) : 'skipped';
  const encode: Record<string, EncodeResult> = {};
  const ids: Record<string, ArrayLike<number>> = {};
  for (const [name, e] of Object.entries(makeEncoders())) [encode[name], ids[name]] = timeEncoder(e, text, mb, rounds);
  for (const name of Object.keys(encode)) encode[name].idsIdenticalToGptLab = sameIds(ids[name], ids['gpt-lab']);
  const ours = encode['gpt-lab'].mbPerS;
  const ratios = Object.fromEntries(Object.entries(encode).filter(([n]) => n !== 'gpt-lab')
    .map(([n, r]) => [n, round(ours / r.mbPerS, 2)]));
  const runs: Record<string, ColdResult & { idsChecksum: number }> = {};
  for (let r = 0; r < (opts.coldRounds ?? 3); r++) {
    for (const name of Object.keys(encode)) {
      const run = coldRun(name, path);
      if (runs[name] === undefined || run.encodeMs < runs[name].encodeMs) runs[name] = run;
    }
  }
  const cold: Record<string, ColdResult> = Object.fromEntries(Object.entries(runs).map(([name, { idsChecksum, ...r }]) =>
    [name, { ...r, idsIdenticalToGptLab: r.tokens === runs['gpt-lab'].tokens && idsChecksum === runs['gpt-lab'].idsChecksum }]));
  const others = Object.entries(cold).filter(([n]) => n !== 'gpt-lab');
  const coldRatios = Object.fromEntries(others.map(([n, r]) => [n, round(cold['gpt-lab'].mbPerS / r.mbPerS, 2)]));
  const coldCpuRatios = Object.fromEntries(others.map(([n, r]) => [n, round(r.encodeCpuMs / cold['gpt-lab'].encodeCpuMs, 2)]));
  return {
    machine: { cpus: require('os').cpus().length, node: process.version, loadAverage: require('os').loadavg().map((x: number) => round(x, 2)) },
    text: { path, repeat, megabytes: round(mb, 3) },
    encode,
    speedRatio: ratios,
    cold: { text: { path, megabytes: round(fs.statSync(path).size / 1e6, 3) }, encode: cold, speedRatio: coldRatios,
      cpuSpeedRatio: coldCpuRatios },
    train: trainResult,
  };
}

/** Set in the environment of a cold run's child process: `{ name, path }` as JSON. */
const COLD_ENV = 'GPTLAB_TOKENIZER_BENCH_COLD';

/**
 * Runs one library cold in a fresh process (this same file, so it works in a bundle too) and returns
 * what the child measured; its ids are compared with gpt-lab's through their count and a checksum.
 */
function coldRun(name: string, path: string): ColdResult & { idsChecksum: number } {
  const child = spawnSync(process.execPath, [__filename], {
    env: { ...process.env, [COLD_ENV]: JSON.stringify({ name, path }) }, encoding: 'utf8', maxBuffer: 1 << 20,
  });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  assert(child.status === 0 && line.startsWith('{'), () => `the cold run of ${name} failed (exit ${child.status}): ` +
    `${(child.stderr || child.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(line);
}

/** The child's side of coldRun: load, encode once, print JSON, exit (before any bundled main runs). */
function coldChild(spec: string): void {
  const { name, path } = JSON.parse(spec) as { name: string; path: string };
  const text = fs.readFileSync(path, 'utf8');
  const mb = Buffer.byteLength(text) / 1e6;
  let t0 = performance.now();
  const enc = makeEncoders()[name].load();
  const loadMs = performance.now() - t0;
  t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const ids = enc.encode(text);
  const cpu = process.cpuUsage(cpu0);
  const encodeMs = performance.now() - t0;
  let idsChecksum = 0;
  for (let i = 0; i < ids.length; i++) idsChecksum = (Math.imul(idsChecksum, 31) + ids[i]) | 0;
  const encodeCpuMs = round((cpu.user + cpu.system) / 1000, 1);
  const result = { loadMs: round(loadMs, 1), encodeMs: round(encodeMs, 1), encodeCpuMs, mbPerS: round(mb / (encodeMs / 1000), 2), tokens: ids.length, idsChecksum };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(0);
}

interface Encoder { load(): { encode(text: string): ArrayLike<number> } }

/** The contestants, each loaded lazily so load time is measured too. */
function makeEncoders(): Record<string, Encoder> {
  return {
    'gpt-lab': { load: () => { const t: Tokenizer = getEncoding('cl100k_base'); return { encode: (s: string) => t.encode(s) }; } },
    'js-tiktoken': { load: () => jsTiktoken('cl100k_base') },
    'tiktoken (wasm)': { load: () => wasmTiktoken('cl100k_base') },
    'gpt-tokenizer': { load: () => gptTokenizer('cl100k_base') },
  };
}

function timeEncoder(e: Encoder, text: string, mb: number, rounds: number): [EncodeResult, ArrayLike<number>] {
  let t0 = performance.now();
  const enc = e.load();
  const loadMs = performance.now() - t0;
  const ids = enc.encode(text);
  let bestMs = Infinity;
  for (let r = 0; r < rounds; r++) {
    t0 = performance.now();
    enc.encode(text);
    bestMs = Math.min(bestMs, performance.now() - t0);
  }
  return [{ loadMs: round(loadMs, 1), bestMs: round(bestMs, 1), mbPerS: round(mb / (bestMs / 1000), 2), tokens: ids.length }, ids];
}

function sameIds(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Trains once, sampling memory after every 64 merges: the heap's peak growth, and the process's peak RSS. */
function timeTraining(text: string, vocabSize: number): Record<string, number> {
  (globalThis as { gc?: () => void }).gc?.();
  const start = process.memoryUsage();
  let peakHeap = start.heapUsed, peakRss = start.rss;
  const sample = () => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    peakRss = Math.max(peakRss, m.rss);
  };
  const t0 = performance.now();
  const tok = train(text, { vocabSize, pattern: 'gpt4', onMerge: (e) => { if (e.index % 64 === 0) sample(); } });
  const ms = performance.now() - t0;
  sample();
  return {
    vocabSize: tok.learnedSize,
    ms: round(ms, 0),
    heapBeforeMB: round(start.heapUsed / 1e6, 1),
    peakHeapDeltaMB: round((peakHeap - start.heapUsed) / 1e6, 1),
    peakRssMB: round(peakRss / 1e6, 1),
    peakRssDeltaMB: round((peakRss - start.rss) / 1e6, 1),
    tokensOnText: tok.encodeOrdinary(text).length,
  };
}

function round(x: number, digits: number): number {
  return Number(x.toFixed(digits));
}

if (process.env[COLD_ENV] !== undefined) coldChild(process.env[COLD_ENV]!);

// subtle: in a bundle (bench/pack-gpu.sh) every module shares one `module`, so check the script's name too.
if (require.main === module && /tokenizer\.[jt]s$/.test(process.argv[1] ?? '')) {
  runTokenizerBench().then((r) => console.log(JSON.stringify(r, null, 2)));
}
