// LoRA adapters as their own small safetensors file: only A and B (kilobytes, not the base's
// megabytes), with the LoRA config and the base's shape in the metadata, which `loadAdapters` checks
// before it builds anything.
//
//   fs.writeFileSync('adapter.safetensors', saveAdapters(ad, base.config));
//   const ad2 = loadAdapters(fs.readFileSync('adapter.safetensors'), base.config);
//
// Left out: adapters for a different base (the file records nLayer and nEmbd only, not a hash of the weights).

import * as fs from 'fs';
import { assert } from '../util/assert';
import { GPTConfig, NamedArray, decodeSafetensors, encodeSafetensors } from '../model';
import { LORA_TARGETS, LoraAdapters, LoraConfig, LoraTarget, adaptersFromValues } from './lora';

/** The format line the metadata carries. */
export const LORA_FORMAT = 'gpt-lab-lora';
export const LORA_VERSION = '1';

/**
 * The bytes of an adapter file.
 *
 *   saveAdapters(rank-2 attention adapters of the tiny model, config) → 8 + header + 384 · 4 bytes
 */
export function saveAdapters(adapters: LoraAdapters, base: GPTConfig): Uint8Array {
  const tensors = new Map<string, NamedArray>();
  for (const [name, v] of adapters.byName)
    tensors.set(name, { dtype: 'F32', shape: v.shape, data: v.dataSync() as Float32Array });
  const c = adapters.config;
  return encodeSafetensors(tensors, {
    format: LORA_FORMAT, version: LORA_VERSION, rank: String(c.rank), alpha: String(c.alpha),
    targets: c.targets.join(','),
    seed: String(c.seed), nLayer: String(base.nLayer), nEmbd: String(base.nEmbd),
  });
}

/**
 * Adapters from the bytes of a file, checked against the base they go onto; `what` names the file in errors.
 *
 *   loadAdapters(saveAdapters(ad, c), c) → adapters with the same values
 */
export function loadAdapters(bytes: Uint8Array, base: GPTConfig, what = 'adapter file'): LoraAdapters {
  const { tensors, metadata: m } = decodeSafetensors(bytes, what);
  assert(m.format === LORA_FORMAT,
    () => `${what} is not a LoRA adapter file (format '${m.format}', expected '${LORA_FORMAT}')`);
  assert(m.version === LORA_VERSION,
    () => `${what} has LoRA format version ${m.version}; this gpt-lab reads version ${LORA_VERSION}`);
  assert(Number(m.nLayer) === base.nLayer && Number(m.nEmbd) === base.nEmbd,
    () => `${what} was trained on a base with nLayer ${m.nLayer}, nEmbd ${m.nEmbd}; ` +
      `this base has nLayer ${base.nLayer}, nEmbd ${base.nEmbd}`);
  const targets = (m.targets ?? '').split(',') as LoraTarget[];
  for (const t of targets) assert((LORA_TARGETS as readonly string[]).includes(t),
    () => `${what} names an unknown LoRA target '${t}'`);
  const config: LoraConfig = { rank: Number(m.rank), alpha: Number(m.alpha), targets, seed: Number(m.seed) };
  const values = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of tensors) {
    assert(t.dtype === 'F32', () => `${what}: tensor ${name} is ${t.dtype}; adapters are F32`);
    values.set(name, { shape: t.shape, data: t.data as Float32Array });
  }
  const expected = base.nLayer * targets.length * 2;
  assert(values.size === expected,
    () => `${what} holds ${values.size} tensors; ${expected} expected for ${base.nLayer} layers ` +
      `× ${targets.join(', ')}`);
  return adaptersFromValues(base, config, values);
}

/** Writes an adapter file. */
export function writeAdapters(path: string, adapters: LoraAdapters, base: GPTConfig): void {
  fs.writeFileSync(path, saveAdapters(adapters, base));
}

/** Reads an adapter file onto a base config. */
export function readAdapters(path: string, base: GPTConfig): LoraAdapters {
  assert(fs.existsSync(path), () => `adapter file ${path} does not exist; train adapters first or check the path`);
  return loadAdapters(fs.readFileSync(path), base, path);
}

