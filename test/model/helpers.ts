// Shared test helpers for the model, training and sampling tests.

import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/data/rng';
import { GPT, makeConfig, GPTConfig } from '../../src/model';

/** A tiny config: 2 layers, 2 heads, 16 dims, block 8, vocab 11. */
export function tinyConfig(overrides: Partial<GPTConfig> = {}): GPTConfig {
  return makeConfig('tiny', { vocabSize: 11, ...overrides });
}

/** A tiny model. */
export function tinyModel(overrides: Partial<GPTConfig> = {}): GPT {
  return new GPT(tinyConfig(overrides));
}

/** Random int32 ids [B, T] below vocab, from a seed. */
export function randomIds(B: number, T: number, vocab: number, seed: number): tf.Tensor2D {
  const rng = new Rng(seed);
  return tf.tensor2d(Int32Array.from({ length: B * T }, () => rng.int(0, vocab)), [B, T], 'int32');
}

/** Uniform floats in [-1, 1) of a shape, from a seed. */
export function randomFloats(shape: number[], seed: number): tf.Tensor {
  const rng = new Rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => 2 * rng.next() - 1), shape);
}

/**
 * Checks a gradient by a directional derivative: for a random direction d, the analytic <∇f(x), d>
 * against the central difference (f(x + εd) - f(x - εd)) / 2ε. Returns both numbers.
 */
export function directionalCheck(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, seed: number, eps = 1e-2): { analytic: number; numeric: number } {
  return tf.tidy(() => {
    const d = randomFloats(x.shape, seed);
    const g = tf.grad(f)(x);
    const analytic = tf.sum(tf.mul(g, d)).dataSync()[0];
    const plus = f(tf.add(x, tf.mul(d, eps))).dataSync()[0];
    const minus = f(tf.sub(x, tf.mul(d, eps))).dataSync()[0];
    return { analytic, numeric: (plus - minus) / (2 * eps) };
  });
}

/** Mean and standard deviation of values. */
export function stats(values: ArrayLike<number>): { mean: number; std: number } {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  const mean = s / values.length;
  let q = 0;
  for (let i = 0; i < values.length; i++) q += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(q / values.length) };
}
