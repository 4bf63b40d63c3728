import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../src/random.js';
import { createModel } from '../../../src/train/engines/tfjs/models.js';
import { crossEntropySum, tf, useFastestBackend } from '../../../src/train/engines/tfjs-shared/tf.js';
import { initLinear } from '../../../src/train/init.js';
import { MLP_HIDDEN } from '../../../src/train/protocol.js';
import {
  type BinaryClassifier,
  classifiedAs,
  crossEntropy,
  crossEntropySlope,
} from '../../../src/train/robustness/classifier.js';
import { linearClassifier } from '../../../src/train/robustness/linear-classifier.js';
import { mlpClassifier } from '../../../src/train/robustness/mlp-classifier.js';
import type { ModelName } from '../../../src/train/run-spec.js';

describe('the cross-entropy of two logits', () => {
  it('is softplus of minus the signed margin, without rounding to 0 for confident samples', () => {
    expect(crossEntropy(0, 0)).toBe(Math.LN2);
    expect(crossEntropy(2, 1)).toBeCloseTo(Math.log1p(Math.exp(-2)), 15);
    expect(crossEntropy(2, 0)).toBeCloseTo(2 + Math.log1p(Math.exp(-2)), 15);
    // Margin 40: PyTorch's float32 log-softmax gives exactly 0; the loss is e^-40.
    expect(crossEntropy(40, 1) / Math.exp(-40)).toBeCloseTo(1, 12);
    expect(crossEntropy(-800, 0)).toBe(0);
    expect(crossEntropy(800, 0)).toBe(800);
  });

  it('has slope sigmoid(u) - y in z1, computed without cancellation', () => {
    expect(crossEntropySlope(0, 0)).toBe(0.5);
    expect(crossEntropySlope(0, 1)).toBe(-0.5);
    // sigmoid(40) - 1 rounds to 0 in float64; the slope is -e^-40 / (1 + e^-40).
    expect(crossEntropySlope(40, 1) / -Math.exp(-40)).toBeCloseTo(1, 12);
    const h = 1e-6;
    for (const [u, y] of [
      [0.3, 0],
      [-1.7, 1],
      [4, 1],
    ] as const) {
      expect(crossEntropySlope(u, y)).toBeCloseTo(
        (crossEntropy(u + h, y) - crossEntropy(u - h, y)) / (2 * h),
        8,
      );
    }
  });

  it('classifies by argmax, a tie going to class 0', () => {
    expect(classifiedAs(0, 0)).toBe(true);
    expect(classifiedAs(0, 1)).toBe(false);
    expect(classifiedAs(1e-30, 1)).toBe(true);
    expect(classifiedAs(-1e-30, 0)).toBe(true);
  });
});

describe('the robustness classifiers and the tfjs models', () => {
  beforeAll(async () => {
    await useFastestBackend();
  });

  const n = 16;
  const d = 12;

  /** The tfjs model and ours from the same initial draws (init.ts's order: layer by layer). */
  function pair(
    name: ModelName,
    seed: number,
  ): { tfjs: ReturnType<typeof createModel>; ours: BinaryClassifier } {
    const tfjs = createModel(name, [d], Random.fromSeed(seed));
    const random = Random.fromSeed(seed);
    if (name === 'linear') return { tfjs, ours: linearClassifier(initLinear(d, 2, random)) };
    const hidden = initLinear(d, MLP_HIDDEN, random);
    return { tfjs, ours: mlpClassifier({ hidden, output: initLinear(MLP_HIDDEN, 2, random) }) };
  }

  for (const name of ['linear', 'mlp'] as const) {
    it(`${name}: logits and input gradients of each row's cross-entropy match tfjs's autodiff`, () => {
      const { tfjs, ours } = pair(name, 5);
      const random = Random.fromSeed(6);
      // Inputs scaled so that some rows are confidently classified, where the exact gradient matters.
      const inputs = Float32Array.from({ length: n * d }, (_, k) => random.normal() * (k < 4 * d ? 30 : 1));
      const labels = Uint8Array.from({ length: n }, (_, i) => i % 2);
      const logits = new Float32Array(n * 2);
      const gradients = new Float32Array(n * d);
      ours.logitsAndGradients(inputs, labels, logits, gradients);
      const [expectedLogits, expectedGradients] = tf.tidy(() => {
        const x = tf.tensor2d(inputs, [n, d]);
        const oneHot = tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 2);
        const gradient = tf.grad((v: tf.Tensor) =>
          crossEntropySum(tfjs.logits(v as tf.Tensor2D, 'eval'), oneHot),
        )(x);
        return [tfjs.logits(x, 'eval').dataSync(), gradient.dataSync()];
      });
      logits.forEach((z, k) => {
        expect(Math.abs(z - (expectedLogits[k] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(z)));
      });
      for (let i = 0; i < n; i++) {
        const row = (g: ArrayLike<number>) => Array.from({ length: d }, (_, j) => g[i * d + j] as number);
        const expected = row(expectedGradients);
        const scale = Math.max(...expected.map(Math.abs));
        expect(scale).toBeGreaterThan(0);
        row(gradients).forEach((g, j) => {
          expect(Math.abs(g - (expected[j] as number))).toBeLessThan(1e-4 * scale);
        });
      }
    });
  }
});
