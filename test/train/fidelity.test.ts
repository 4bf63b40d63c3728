import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/random.js';
import { autogradLogitGradient } from '../../src/train/engines/linear-cpu/linear-model.js';
import { attack } from '../../src/train/engines/tfjs-shared/attacks.js';
import { evaluateSplit } from '../../src/train/engines/tfjs-shared/evaluate.js';
import {
  crossEntropy,
  referenceCrossEntropy,
  tf,
  useFastestBackend,
} from '../../src/train/engines/tfjs-shared/tf.js';
import type { Fidelity } from '../../src/train/modes.js';
import { LossMean } from '../../src/train/validation-loss.js';
import { linearModel } from './engines/tfjs/helpers.js';

beforeAll(async () => {
  await useFastestBackend();
});

describe('reference fidelity, quirk 1: validation loss as the mean of per-batch mean losses', () => {
  it('weighs the last, partial batch extra', () => {
    // Losses 1..5 in batches of 2: (1+2)/2, (3+4)/2, 5/1 -> (1.5 + 3.5 + 5) / 3 = 10/3; per sample: 15/5 = 3.
    const perSample = new LossMean();
    const perBatch = new LossMean(2);
    for (const loss of [1, 2, 3, 4, 5]) {
      perSample.add(loss);
      perBatch.add(loss);
    }
    expect(perSample.mean()).toBe(3);
    expect(perBatch.mean()).toBeCloseTo(10 / 3, 12);
  });

  it('is what evaluateSplit returns with a loss batch size', () => {
    // One feature, logit difference u = x (w = [[0, 1]], b = 0). Samples (x, y): (0, 0), (0, 1), (ln 3, 1):
    // losses ln 2, ln 2 and -ln sigmoid(ln 3) = ln(4/3). Batches of 2: (ln 2 + ln 2)/2 = ln 2, then ln(4/3):
    // mean ln(8/3)/2 = 0.49041. Per sample: (2 ln 2 + ln(4/3))/3 = ln(16/3)/3 = 0.55799.
    const model = linearModel([[0, 1]], [0, 0]);
    const split = { count: 3, x: Float32Array.of(0, 0, Math.log(3)), y: Uint8Array.of(0, 1, 1) };
    const logits = (x: tf.Tensor2D) => model.logits(x, 'eval');
    expect(evaluateSplit(logits, split, 1).loss).toBeCloseTo(Math.log(16 / 3) / 3, 6);
    expect(evaluateSplit(logits, split, 1, 2).loss).toBeCloseTo(Math.log(8 / 3) / 2, 6);
  });
});

describe("reference fidelity, quirk 2: advertorch's l2 step divides by max(||g||, 1e-6)", () => {
  const step = (fidelity: Fidelity) =>
    tf.tidy(() => {
      // Two samples at the origin; their gradients (3e-7, 4e-7) with ||g|| = 5e-7, and (3, 4).
      const gradient = () =>
        tf.tensor2d([
          [3e-7, 4e-7],
          [3, 4],
        ]);
      const x = tf.zeros([2, 2]) as tf.Tensor2D;
      const spec = { norm: 'l2' as const, eps: 2, method: { name: 'one-step' as const } };
      return attack(x, spec, gradient, {
        clipToUnitBox: false,
        random: Random.fromSeed(0),
        fidelity,
      }).arraySync();
    });

  it('steps eps along g / ||g|| with adgap fidelity, however short g is', () => {
    // 2 * (0.6, 0.8) for both.
    const [a, b] = step('adgap') as [number[], number[]];
    for (const row of [a, b]) {
      expect(row[0]).toBeCloseTo(1.2, 6);
      expect(row[1]).toBeCloseTo(1.6, 6);
    }
  });

  it('steps eps g / 1e-6 when ||g|| < 1e-6 with reference fidelity: here half of eps', () => {
    // 2 * (3e-7, 4e-7) / 1e-6 = (0.6, 0.8), length 1 = eps / 2; the long gradient still steps eps.
    const [short, long] = step('reference') as [number[], number[]];
    expect(short[0]).toBeCloseTo(0.6, 6);
    expect(short[1]).toBeCloseTo(0.8, 6);
    expect(long[0]).toBeCloseTo(1.2, 6);
    expect(long[1]).toBeCloseTo(1.6, 6);
  });
});

describe('reference fidelity, quirk 3: linf steps along the sign of the float32 autograd gradient', () => {
  // w0 = (1, -3), w1 = (2, -1) (feature-major: [[1, 2], [-3, -1]]), so v = w1 - w0 = (1, 2). The sample
  // x = (0, -10), label 0: z0 = 30, z1 = 10, u = z1 - z0 = -20, p1 = e^-20 = 2.06e-9. The exact input gradient
  // is p1 (w1 - w0) = p1 (1, 2): FGSM steps along (+, +). In float32, p0 = 1 - 2.06e-9 rounds to 1, so the
  // true class's term p0 - 1 is 0 and the gradient is p1 w1 = p1 (2, -1): sign (+, -).
  const fgsm = (loss: typeof crossEntropy) =>
    tf.tidy(() => {
      const model = linearModel(
        [
          [1, 2],
          [-3, -1],
        ],
        [0, 0],
      );
      const y = tf.tensor1d([0], 'int32');
      const gradient = (input: tf.Tensor2D) =>
        tf.grad((v: tf.Tensor) => loss(model.logits(v as tf.Tensor2D, 'eval'), y))(input) as tf.Tensor2D;
      const spec = { norm: 'linf' as const, eps: 0.5, method: { name: 'one-step' as const } };
      const x = tf.tensor2d([[0, -10]]);
      return attack(x, spec, gradient, { clipToUnitBox: false, random: Random.fromSeed(0) }).arraySync()[0];
    });

  it("adgap's gradient keeps the exact sign: x + 0.5 (+1, +1)", () => {
    expect(fgsm(crossEntropy)).toEqual([0.5, -9.5]);
  });

  it("the reference's float32 autograd gradient loses the true class's term: x + 0.5 (+1, -1)", () => {
    expect(fgsm(referenceCrossEntropy)).toEqual([0.5, -10.5]);
  });

  it("linear-cpu's emulation of that gradient in the logits: (0, p1) at u = -20, (0, 0) once p1 underflows", () => {
    const [dz0, dz1] = autogradLogitGradient(-20, 0, 1);
    expect(dz0).toBe(0);
    expect(dz1).toBeCloseTo(Math.exp(-20), 15);
    // u = -200: e^-200 underflows float32 to 0, so the sample does not move at all.
    expect(autogradLogitGradient(-200, 0, 1)).toEqual([0, 0]);
    // Unsaturated, the two terms are opposite: u = 0, p = (1/2, 1/2), batch of 2: (1/2 - 1)/2, (1/2)/2.
    expect(autogradLogitGradient(0, 0, 2)).toEqual([-0.25, 0.25]);
  });
});
