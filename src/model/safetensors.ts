// safetensors, written and read by hand: the weights format of Hugging Face, simple enough to hold in
// your head:
//
//   [8 bytes: N, the header length, unsigned little-endian] [N bytes: JSON header] [raw data]
//
// The header maps each tensor's name to { dtype, shape, data_offsets: [begin, end] } (byte offsets into
// the data that follows the header), plus an optional "__metadata__" of string → string. Data is
// little-endian, row-major, with no gaps. We pad the header with spaces to a multiple of 8 so the data
// is aligned, as the reference writer does.
// Left out: dtypes other than F32 and I32 (bf16, f16, i64 ...), memory mapping.

import { assert, GptLabError } from '../util/assert';

/** The dtypes gpt-lab reads and writes. */
export type SafeDtype = 'F32' | 'I32';

/** One tensor as plain data. */
export interface NamedArray {
  dtype: SafeDtype;
  shape: number[];
  data: Float32Array | Int32Array;
}

/** What a file holds. */
export interface SafetensorsFile {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

const BYTES: Record<SafeDtype, number> = { F32: 4, I32: 4 };

function sizeOf(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Serializes tensors (in the map's order) and metadata into the bytes of a .safetensors file.
 *
 *   encodeSafetensors(new Map([['a', { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) }]]))
 *   → 8-byte length, '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' padded with spaces, 8 data bytes
 */
export function encodeSafetensors(tensors: Map<string, NamedArray>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    assert(name !== '__metadata__', () => 'a tensor may not be named __metadata__');
    assert(t.data.length === sizeOf(t.shape),
      () => `tensor ${name}: ${t.data.length} values do not fill shape [${t.shape}] (${sizeOf(t.shape)})`);
    const n = t.data.length * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + n] };
    offset += n;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    for (let i = 0; i < t.data.length; i++, pos += 4) {
      if (t.dtype === 'F32') view.setFloat32(pos, t.data[i], true);
      else view.setInt32(pos, t.data[i], true);
    }
  }
  return out;
}

/**
 * Parses the bytes of a .safetensors file, checking every length and offset; `what` names the file
 * in errors.
 *
 *   decodeSafetensors(encodeSafetensors(m)).tensors → a map equal to m
 */
export function decodeSafetensors(bytes: Uint8Array, what = 'safetensors data'): SafetensorsFile {
  const bad = (why: string) => new GptLabError(
    `${what} is not a valid safetensors file: ${why}; it may be truncated or corrupt — delete it and save again`);
  if (bytes.length < 8) throw bad(`only ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length)
    throw bad(`the header claims ${n} bytes but the file has ${bytes.length - 8} after the length`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'));
  } catch (e) {
    throw bad(`the header is not JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header))
    throw bad('the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
  if (header.__metadata__ !== undefined) metadata = header.__metadata__ as Record<string, string>;
  // subtle: check that the tensors tile the data exactly (no overlaps, no gaps, nothing past the end).
  const spans = entries.map(([name, v]) => {
    const e = v as { dtype?: string; shape?: number[]; data_offsets?: number[] };
    if (e.dtype !== 'F32' && e.dtype !== 'I32')
      throw bad(`tensor ${name} has dtype ${e.dtype}; gpt-lab reads F32 and I32`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0))
      throw bad(`tensor ${name} has shape ${JSON.stringify(e.shape)}`);
    const [b, end] = e.data_offsets ?? [];
    if (!Number.isSafeInteger(b) || !Number.isSafeInteger(end) || b < 0 || end < b)
      throw bad(`tensor ${name} has data_offsets ${JSON.stringify(e.data_offsets)}`);
    if (end - b !== sizeOf(e.shape) * BYTES[e.dtype])
      throw bad(`tensor ${name} spans ${end - b} bytes but shape [${e.shape}] of ${e.dtype} ` +
        `needs ${sizeOf(e.shape) * BYTES[e.dtype]}`);
    return { name, dtype: e.dtype as SafeDtype, shape: e.shape, b, end };
  });
  let covered = 0;
  for (const s of [...spans].sort((x, y) => x.b - y.b)) {
    if (s.b !== covered) throw bad(`tensor ${s.name} starts at byte ${s.b}, expected ${covered}`);
    covered = s.end;
  }
  if (covered !== dataLen) throw bad(`the tensors cover ${covered} data bytes but the file holds ${dataLen}`);
  for (const s of spans) {
    const count = (s.end - s.b) / 4;
    const data = s.dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const p = dataStart + s.b + 4 * i;
      data[i] = s.dtype === 'F32' ? view.getFloat32(p, true) : view.getInt32(p, true);
    }
    tensors.set(s.name, { dtype: s.dtype, shape: s.shape, data });
  }
  return { tensors, metadata };
}
