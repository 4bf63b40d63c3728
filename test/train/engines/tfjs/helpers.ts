import { Random } from '../../../../src/random.js';
import { createModel, type Model } from '../../../../src/train/engines/tfjs/models.js';
import { tf } from '../../../../src/train/engines/tfjs-shared/tf.js';

/** A linear model d -> 2 with the given weights (feature-major [d][2]) and bias. */
export function linearModel(weight: number[][], bias: [number, number]): Model {
  const model = createModel('linear', [weight.length], Random.fromSeed(0));
  const [w, b] = model.parameters as [tf.Variable, tf.Variable];
  w.assign(tf.tensor2d(weight));
  b.assign(tf.tensor1d(bias));
  return model;
}

/** Uniform values in [lo, hi), rows x cols, from a fixed seed. */
export function uniformRows(seed: number, rows: number, cols: number, lo: number, hi: number): number[][] {
  const random = Random.fromSeed(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: cols }, () => lo + (hi - lo) * random.uniform()),
  );
}
