// Transpose for the wasm backend: 2-D transposes as a blocked copy.
//
// tfjs-wasm's Transpose walks the output with generic index arithmetic; a [2048, 256] activation took
// 3.7 ms (7 ns a value), and the backward pass of the gpu-shaped step transposes 18 of them for its
// weight gradients (xᵀ·dy, see src/model/linear.ts). Copying 8x8 tiles in JavaScript, reading rows and
// writing columns within a tile that stays in cache, takes 0.5 ms. Only a plain matrix transpose,
// rank 2 with perm [1, 0], is handled here; every other permutation goes to tfjs's own kernel. That
// includes batches of matrices (rank 3, perm [0, 2, 1]), which this file tiled too until it measured
// tfjs's kernel 4x faster there: attention's [64, 48, 64] took 91 µs in tfjs-wasm against 385 µs
// tiled (the same [768, 512] matrix: 913 against 790 µs).
//
//   transposeBlocks([1, 2, 3, 4, 5, 6] as [1, 2, 3]) → [1, 4, 2, 5, 3, 6]
//
// Left out: other backends (cpu's JS transpose and webgpu's shader are their own).

import * as tf from '@tensorflow/tfjs';
import { HeapArray, WasmHeap } from './js-kernel';

/** Tile edge: 8 measured fastest on [2048, 256] and no slower than 16-64 on the model's other shapes. */
const TILE = 8;

/** dst[b, j, i] = src[b, i, j] for `batch` matrices of R rows and C columns. */
export function transposeBlocks(src: HeapArray, batch: number, R: number, C: number, dst: HeapArray): void {
  const size = R * C;
  for (let b = 0; b < batch; b++) {
    const s = b * size;
    for (let i0 = 0; i0 < R; i0 += TILE) {
      const i1 = Math.min(i0 + TILE, R);
      for (let j0 = 0; j0 < C; j0 += TILE) {
        const j1 = Math.min(j0 + TILE, C);
        for (let j = j0; j < j1; j++) {
          const o = s + j * R;
          for (let i = i0; i < i1; i++) dst[o + i] = src[s + i * C + j];
        }
      }
    }
  }
}

/** tfjs's Transpose contract (inputs { x }, attrs { perm }); matrix transposes here, the rest to `original`. */
export function transposeWasm(original: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    const perm = (args.attrs as unknown as { perm: number[] }).perm;
    const s = x.shape;
    const matrix = s.length === 2 && perm[0] === 1 && perm[1] === 0;
    if (!matrix || !['float32', 'int32', 'bool'].includes(x.dtype)) return original(args);
    const [batch, R, C] = [1, s[0], s[1]];
    const w = args.backend as unknown as WasmHeap;
    const out = w.makeOutput(perm.map((p) => s[p]), x.dtype);
    // subtle: allocating the output may grow the heap and detach earlier views; take both views after.
    transposeBlocks(w.typedArrayFromHeap(x), batch, R, C, w.typedArrayFromHeap(out));
    return out;
  };
}
