import { beforeAll, expect, it } from 'vitest';
import { createOptimizer } from '../../../../src/train/engines/tfjs/optimizers.js';
import { tf, useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';

beforeAll(async () => {
  await useFastestBackend();
});

/** Applies the given gradients one step at a time and returns the parameter after each step. */
function steps(
  name: 'adam' | 'sgd-momentum',
  learningRate: number,
  gradients: number[],
  start = 1,
): number[] {
  const p = tf.variable(tf.scalar(start));
  const optimizer = createOptimizer(name, learningRate);
  const out = gradients.map((g) => {
    optimizer.applyGradients({ [p.name]: tf.scalar(g) });
    return p.dataSync()[0] as number;
  });
  optimizer.dispose();
  p.dispose();
  return out;
}

it('SGD with momentum follows PyTorch: v = 0.9 v + g, p -= lr v, v starting at g', () => {
  // p0 = 1, lr 0.1; g1 = 2: v = 2, p = 0.8; g2 = -1: v = 0.9*2 - 1 = 0.8, p = 0.72.
  const [p1, p2] = steps('sgd-momentum', 0.1, [2, -1]);
  expect(p1).toBeCloseTo(0.8, 6);
  expect(p2).toBeCloseTo(0.72, 6);
});

it('Adam follows PyTorch with eps 1e-8', () => {
  // Step 1: m = 0.1 g, v = 0.001 g^2, m_hat = g, v_hat = g^2: p -= lr * g / (|g| + 1e-8).
  // With g = 1e-7 the epsilon matters: 1e-7 / (1e-7 + 1e-8) = 0.909..., tfjs's default 1e-7 would give 0.5.
  const [p1] = steps('adam', 0.01, [1e-7]);
  expect(p1).toBeCloseTo(1 - (0.01 * 1e-7) / (1e-7 + 1e-8), 6);
});

it("Adam's bias corrections are PyTorch's float64 1 - beta^t: a constant gradient moves p by exactly lr a step", () => {
  // m_hat = v_hat^(1/2) = g at every step. tfjs's Adam, with beta^t accumulated in float32, gives -0.9999933,
  // -1.9999833 and -2.9999697 here.
  expect(steps('adam', 1, [1, 1, 1], 0)).toEqual([-1, -2, -3]);
});
