// GELU and its slope in WebAssembly SIMD (4 floats an instruction), for the wasm and cpu backends.
//
// tfjs-wasm's binary has no vectorised exp or erf, and a JavaScript loop (gelu.ts's geluAndSlope)
// costs about 11 ns a value: on the baby step the GELU kernel was a tenth of the step, second only
// to the matmuls. This file writes a tiny WebAssembly module byte by byte (no compiler needed) whose
// one function runs the same arithmetic as geluAndSlope on 4 lanes of float32:
//   e = exp(max(-x²/2, -80)):  k = nearest(u·log2 e), r = (u - k·ln2_hi) - k·ln2_lo (Cody-Waite),
//       e = (Taylor series of e^r to degree 6) · 2^k, 2^k built from its bits ((k + 127) << 23);
//   t = 1 / (1 + p·|x|/√2),  h = ½ - ½·(A&S 7.1.26 polynomial in t)·e    (= ½·erf(|x|/√2))
//   y = ½x + h·|x|,  d = ½ + (h with the sign of x) + x·e/√(2π)
// The module has its own memory: x is copied in, y and d out (three copies, about a tenth of the time).
// Left out: other kernels in SIMD (LayerNorm, softmax), threads.

/** Unsigned LEB128. */
function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** A section: its id, then its size and contents. */
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
/** A vector: its length, then the items' bytes. */
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];

// The instructions the function uses (core opcodes, and SIMD ones after the 0xfd prefix).
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const simd = (op: number) => [0xfd, ...uleb(op)];
const I32_CONST = (n: number) => [0x41, ...uleb(n)]; // n < 64: its signed LEB is the same byte
const I32_ADD = [0x6a];
const I32_GE_U = [0x4f];
const V128_LOAD = [...simd(0x00), 4, 0]; // align 2^4, offset 0
const V128_STORE = [...simd(0x0b), 4, 0];
const V128_AND = simd(0x4e);
const V128_OR = simd(0x50);
const F32X4_NEAREST = simd(0x6a);
const I32X4_SHL = simd(0xab);
const I32X4_ADD = simd(0xae);
const F32X4_ABS = simd(0xe0);
const F32X4_ADD = simd(0xe4);
const F32X4_SUB = simd(0xe5);
const F32X4_MUL = simd(0xe6);
const F32X4_DIV = simd(0xe7);
const F32X4_MAX = simd(0xe9);
const I32X4_TRUNC_SAT_F32X4_S = simd(0xf8);

/** v128.const of one float32 in all four lanes. */
function f32x4(v: number): number[] {
  return [...simd(0x0c), ...new Uint8Array(new Float32Array([v, v, v, v]).buffer)];
}
/** v128.const of one 32-bit integer pattern in all four lanes. */
function i32x4(v: number): number[] {
  return [...simd(0x0c), ...new Uint8Array(new Uint32Array([v, v, v, v]).buffer)];
}

// Abramowitz & Stegun 7.1.26, as in gelu.ts.
const P = 0.3275911;
const A = [0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429];

/** The module's bytes: (import "env" "memory") and (func (export "gelu") (param x y d bytes i32)). */
export function geluModuleBytes(): Uint8Array {
  const [X, Y, D, BYTES, I, V, AX, U, K, R, E, T, H] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const mul = (c: number) => [...f32x4(c), ...F32X4_MUL];
  const add = (c: number) => [...f32x4(c), ...F32X4_ADD];
  const body = [
    0x02, 0x40, 0x03, 0x40, // block, loop
    ...get(I), ...get(BYTES), ...I32_GE_U, 0x0d, 1, // i >= bytes: leave the block
    ...get(X), ...get(I), ...I32_ADD, ...V128_LOAD, ...set(V),
    ...get(V), ...F32X4_ABS, ...set(AX),
    // u = max(-x²/2, -80);  k = nearest(u·log2 e);  r = (u - k·ln2_hi) - k·ln2_lo
    ...get(V), ...get(V), ...F32X4_MUL, ...mul(-0.5), ...f32x4(-80), ...F32X4_MAX, ...set(U),
    ...get(U), ...mul(Math.LOG2E), ...F32X4_NEAREST, ...set(K),
    ...get(U), ...get(K), ...mul(0.693359375), ...F32X4_SUB, ...get(K), ...mul(-2.12194440e-4), ...F32X4_SUB, ...set(R),
    // e = (((((r/720 + 1/120)·r + 1/24)·r + 1/6)·r + 1/2)·r + 1)·r + 1, times 2^k
    ...get(R), ...mul(1 / 720), ...add(1 / 120),
    ...get(R), ...F32X4_MUL, ...add(1 / 24),
    ...get(R), ...F32X4_MUL, ...add(1 / 6),
    ...get(R), ...F32X4_MUL, ...add(1 / 2),
    ...get(R), ...F32X4_MUL, ...add(1),
    ...get(R), ...F32X4_MUL, ...add(1),
    ...get(K), ...I32X4_TRUNC_SAT_F32X4_S, ...i32x4(127), ...I32X4_ADD, ...I32_CONST(23), ...I32X4_SHL,
    ...F32X4_MUL, ...set(E),
    // t = 1 / (1 + p·|x|/√2)
    ...f32x4(1), ...get(AX), ...mul(P * Math.SQRT1_2), ...add(1), ...F32X4_DIV, ...set(T),
    // h = ½ - ½·((((A5·t + A4)·t + A3)·t + A2)·t + A1)·t·e
    ...get(T), ...mul(A[4]), ...add(A[3]),
    ...get(T), ...F32X4_MUL, ...add(A[2]),
    ...get(T), ...F32X4_MUL, ...add(A[1]),
    ...get(T), ...F32X4_MUL, ...add(A[0]),
    ...get(T), ...F32X4_MUL, ...get(E), ...F32X4_MUL, ...mul(-0.5), ...add(0.5), ...set(H),
    // y = ½x + h·|x|
    ...get(Y), ...get(I), ...I32_ADD,
    ...get(V), ...mul(0.5), ...get(H), ...get(AX), ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE,
    // d = ½ + (h with x's sign bit) + x·e/√(2π)
    ...get(D), ...get(I), ...I32_ADD,
    ...get(H), ...get(V), ...i32x4(0x80000000), ...V128_AND, ...V128_OR, ...add(0.5),
    ...get(V), ...mul(1 / Math.sqrt(2 * Math.PI)), ...get(E), ...F32X4_MUL, ...F32X4_ADD, ...V128_STORE,
    ...get(I), ...I32_CONST(16), ...I32_ADD, ...set(I),
    0x0c, 0, // br to the loop
    0x0b, 0x0b, // end loop, end block
    0x0b, // end function
  ];
  const locals = vec([[1, 0x7f], [8, 0x7b]]); // i: i32; v, |x|, u, k, r, e, t, h: v128
  const code = [...locals, ...body];
  const utf8 = (s: string) => [...uleb(s.length), ...new TextEncoder().encode(s)];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec([[0x60, ...vec([[0x7f], [0x7f], [0x7f], [0x7f]]), 0]])), // (i32 i32 i32 i32) → ()
    ...section(2, vec([[...utf8('env'), ...utf8('memory'), 0x02, 0x00, 1]])), // memory, at least 1 page
    ...section(3, vec([[0]])),
    ...section(7, vec([[...utf8('gelu'), 0x00, 0]])),
    ...section(10, vec([[...uleb(code.length), ...code]])),
  ]);
}

interface GeluModule {
  memory: WebAssembly.Memory;
  gelu: (x: number, y: number, d: number, bytes: number) => void;
}

let compiled: GeluModule | null | undefined;

/** The compiled module, or null where WebAssembly SIMD is missing (then gelu.ts runs JavaScript). */
function geluModule(): GeluModule | null {
  if (compiled !== undefined) return compiled;
  try {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const instance = new WebAssembly.Instance(new WebAssembly.Module(geluModuleBytes()), { env: { memory } });
    compiled = { memory, gelu: instance.exports.gelu as GeluModule['gelu'] };
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Whether simdGeluAndSlope can run here. */
export function hasSimdGelu(): boolean {
  return geluModule() !== null;
}

/**
 * y = x·Φ(x) and d = Φ(x) + x·φ(x) for every element of x, in WebAssembly SIMD (float32 arithmetic;
 * within 2e-7 of geluAndSlope). Needs hasSimdGelu().
 */
export function simdGeluAndSlope(x: Float32Array, y: Float32Array, d: Float32Array): void {
  const m = geluModule()!;
  const n = x.length;
  const span = Math.ceil(n / 4) * 16; // bytes of one array, a whole number of vectors
  const need = 3 * span;
  const have = m.memory.buffer.byteLength;
  if (need > have) m.memory.grow(Math.ceil((need - have) / 65536));
  const heap = new Float32Array(m.memory.buffer);
  heap.set(x, 0);
  m.gelu(0, span, 2 * span, span);
  y.set(heap.subarray(span / 4, span / 4 + n));
  d.set(heap.subarray(span / 2, span / 2 + n));
}
