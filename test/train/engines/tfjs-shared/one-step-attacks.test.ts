import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../../src/random.js';
import { attack as runAttack } from '../../../../src/train/engines/tfjs-shared/attacks.js';
import type { Logits } from '../../../../src/train/engines/tfjs-shared/evaluate.js';
import { crossEntropy, tf, useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';
import type { Norm } from '../../../../src/train/modes.js';

const d = 6;
const n = 5;

// A linear model whose weight difference has coordinates below 2^-23, where wasm's own `sign` returns 0.
const weight = [
  [0.5, -0.2],
  [-0.3, 0.4],
  [1e-9, -1e-9],
  [0.0, 0.0],
  [2.0, 1.0],
  [-1e-8, 0.7],
];
const bias = [0.1, -0.2];

function linear(): Logits {
  const w = tf.tensor2d(weight);
  const b = tf.tensor1d(bias);
  return (x) => tf.add(tf.matMul(x, w), b) as tf.Tensor2D;
}

/** FGSM (linf) or FGM (l2) through the shared attack module. */
function oneStepAttack(
  model: Logits,
  x: tf.Tensor2D,
  y: tf.Tensor1D,
  options: { norm: Norm; eps: number; clipToUnitBox: boolean },
): tf.Tensor2D {
  const gradient = (input: tf.Tensor2D) =>
    tf.grad((v: tf.Tensor) => crossEntropy(model(v as tf.Tensor2D), y))(input) as tf.Tensor2D;
  return runAttack(x, { norm: options.norm, eps: options.eps, method: { name: 'one-step' } }, gradient, {
    clipToUnitBox: options.clipToUnitBox,
    random: Random.fromSeed(0),
  });
}

function samples(): { x: number[][]; y: number[] } {
  const random = Random.fromSeed(7);
  const x = Array.from({ length: n }, () => Array.from({ length: d }, () => random.normal()));
  return { x, y: [0, 1, 1, 0, 1] };
}

/** w_other - w_true of sample i's label, the direction of the input gradient for a 2-logit linear model. */
function direction(label: number): number[] {
  return weight.map((row) => (row[1 - label] as number) - (row[label] as number));
}

function attack(norm: 'linf' | 'l2', eps: number): number[][] {
  const { x, y } = samples();
  return tf.tidy(() => {
    const adversarial = oneStepAttack(linear(), tf.tensor2d(x), tf.tensor1d(y, 'int32'), {
      norm,
      eps,
      clipToUnitBox: false,
    });
    return adversarial.arraySync();
  });
}

describe('one-step attacks on a linear model', () => {
  beforeAll(async () => {
    await useFastestBackend();
  });

  it('FGSM equals the closed-form worst case x + eps * sign(w_other - w_true), even for tiny coordinates', () => {
    const eps = 0.3;
    const { x, y } = samples();
    const adversarial = attack('linf', eps);
    for (let i = 0; i < n; i++) {
      const delta = direction(y[i] as number).map((v) => eps * Math.sign(v));
      adversarial[i]?.forEach((value, j) => {
        expect(value).toBeCloseTo((x[i]?.[j] as number) + (delta[j] as number), 6);
      });
    }
  });

  it('FGM equals the closed-form worst case x + eps * (w_other - w_true) / ||w_other - w_true||_2', () => {
    const eps = 1.5;
    const { x, y } = samples();
    const adversarial = attack('l2', eps);
    for (let i = 0; i < n; i++) {
      const v = direction(y[i] as number);
      const norm = Math.hypot(...v);
      adversarial[i]?.forEach((value, j) => {
        expect(value).toBeCloseTo((x[i]?.[j] as number) + (eps * (v[j] as number)) / norm, 5);
      });
    }
  });

  it('no random perturbation in the linf ball raises the loss above FGSM', () => {
    const eps = 0.3;
    const { x, y } = samples();
    const model = linear();
    const labels = tf.tensor1d(y, 'int32');
    const loss = (input: number[][]) =>
      tf.tidy(() => crossEntropy(model(tf.tensor2d(input)), labels).dataSync()[0] as number);
    const worst = loss(attack('linf', eps));
    const random = Random.fromSeed(1);
    for (let trial = 0; trial < 50; trial++) {
      const perturbed = x.map((row) => row.map((v) => v + eps * (2 * random.uniform() - 1)));
      expect(loss(perturbed)).toBeLessThanOrEqual(worst + 1e-6);
    }
  });

  it('clips adversarial pixels to [0,1] when asked', () => {
    const x = [[0.95, 0.02, 0.5, 0.5, 0.5, 0.5]];
    const clipped = tf.tidy(() =>
      oneStepAttack(linear(), tf.tensor2d(x), tf.tensor1d([0], 'int32'), {
        norm: 'linf',
        eps: 0.3,
        clipToUnitBox: true,
      }).arraySync(),
    );
    for (const value of clipped[0] ?? []) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
  });
});
