import { beforeAll, describe, expect, it } from 'vitest';
import type { LoadedDataset } from '../../../src/datasets/types.js';
import { Random, TrainingStream } from '../../../src/random.js';
import { LinearKernels, shareWithLinearKernels } from '../../../src/train/engines/linear-cpu/kernels.js';
import { createWorkspace, evaluateRobustLinear } from '../../../src/train/engines/linear-cpu/linear-model.js';
import { evaluateRobust } from '../../../src/train/engines/tfjs-shared/evaluate.js';
import { tf, useFastestBackend } from '../../../src/train/engines/tfjs-shared/tf.js';
import type { LinearWeights } from '../../../src/train/init.js';
import type { AttackSpec, Norm } from '../../../src/train/modes.js';
import { evaluationPgd } from '../../../src/train/protocol.js';
import type { SplitMetrics } from '../../../src/train/result.js';
import type { Ball, RobustnessEvaluation } from '../../../src/train/robustness/evaluation.js';
import { exactLinearEvaluation, WorstCase } from '../../../src/train/robustness/exact-linear.js';
import { gaussian, pixels } from '../engines/fixtures/datasets.js';
import { gaussianSeparator, linearWeights, pixelSeparator, split, worstScores } from './fixtures.js';

/** WorstCase's gain and perturbation for one direction and sample. */
function worstCase(a: number[], x: number[], ball: Ball): { gain: number; delta: number[] } {
  const delta = new Float64Array(a.length);
  const gain = new WorstCase(a.length).perturbation(a, x, ball, delta);
  return { gain, delta: Array.from(delta) };
}

const dot = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, v, j) => sum + v * (b[j] as number), 0);

describe('the worst case of a linear function over the ball, by hand', () => {
  it('linf without the box moves every coordinate eps against the margin: eps ||a||_1', () => {
    // a = (2, -1): delta = 0.4 (1, -1), gain 0.4 * 3 = 1.2.
    const { gain, delta } = worstCase([2, -1], [1, 1], { norm: 'linf', eps: 0.4, clipToUnitBox: false });
    expect(gain).toBeCloseTo(1.2, 15);
    expect(delta).toEqual([0.4, -0.4]);
  });

  it('l2 without the box moves eps along a: eps ||a||_2', () => {
    // a = (3, 4), ||a|| = 5: delta = 0.5 (3, 4) / 5 = (0.3, 0.4), gain 0.5 * 5 = 2.5.
    const { gain, delta } = worstCase([3, 4], [1, 0], { norm: 'l2', eps: 0.5, clipToUnitBox: false });
    expect(gain).toBeCloseTo(2.5, 15);
    expect(delta[0]).toBeCloseTo(0.3, 15);
    expect(delta[1]).toBeCloseTo(0.4, 15);
  });

  it('linf in the box stops each coordinate at its face: |a_j| min(eps, room_j)', () => {
    // x = (0.9, 0.05, 0.5), a = (1, -2, 0.5), eps 0.2: rooms towards the faces a points to are 0.1 (up),
    // 0.05 (down), 0.5 (up), so t = (0.1, 0.05, 0.2) and the gain is 0.1 + 2 * 0.05 + 0.5 * 0.2 = 0.3 (0.7 unboxed).
    const { gain, delta } = worstCase([1, -2, 0.5], [0.9, 0.05, 0.5], {
      norm: 'linf',
      eps: 0.2,
      clipToUnitBox: true,
    });
    expect(gain).toBeCloseTo(0.3, 15);
    expect(delta[0]).toBeCloseTo(0.1, 15);
    expect(delta[1]).toBeCloseTo(-0.05, 15);
    expect(delta[2]).toBeCloseTo(0.2, 15);
  });

  it('l2 in the box water-fills: a capped coordinate hands its share of the radius to the others', () => {
    // x = (0.9, 0.5), a = (3, 4), eps 0.5. Unboxed delta would be (0.3, 0.4), but x_1 has room 0.1. Breakpoints
    // room / |a| are 0.1/3 and 0.5/4 = 0.125. Capping coordinate 1: 0.1^2 + 16 lambda^2 = 0.25, lambda =
    // sqrt(0.015) = 0.12247 <= 0.125, so t = (0.1, 4 lambda = sqrt(0.24)), gain 0.3 + 4 sqrt(0.24) = 2.25959.
    const { gain, delta } = worstCase([3, 4], [0.9, 0.5], { norm: 'l2', eps: 0.5, clipToUnitBox: true });
    expect(gain).toBeCloseTo(0.3 + 4 * Math.sqrt(0.24), 14);
    expect(delta[0]).toBeCloseTo(0.1, 15);
    expect(delta[1]).toBeCloseTo(Math.sqrt(0.24), 15);
  });

  it('l2 in the box caps coordinates one after another, in the order of room / |a|', () => {
    // x = (0.95, 0.9, 0.2), a = (1, 1, 1), eps 0.3; breakpoints 0.05, 0.1, 0.8. None capped: lambda^2 = 0.09 / 3,
    // lambda 0.173 > 0.05; first capped: (0.09 - 0.0025) / 2, lambda 0.209 > 0.1; first two capped:
    // 0.09 - 0.0025 - 0.01 = 0.0775, lambda 0.2784 <= 0.8. t = (0.05, 0.1, sqrt(0.0775)), gain 0.15 + 0.2784.
    const { gain, delta } = worstCase([1, 1, 1], [0.95, 0.9, 0.2], {
      norm: 'l2',
      eps: 0.3,
      clipToUnitBox: true,
    });
    expect(gain).toBeCloseTo(0.15 + Math.sqrt(0.0775), 14);
    expect(delta[0]).toBeCloseTo(0.05, 15);
    expect(delta[1]).toBeCloseTo(0.1, 15);
    expect(delta[2]).toBeCloseTo(Math.sqrt(0.0775), 15);
  });

  it('l2 in the box takes every room when the whole corner fits in the ball', () => {
    // x = (0.9, 0.95), a = (1, 1): rooms 0.1 and 0.05, 0.1^2 + 0.05^2 = 0.0125 < 0.5^2, gain 0.15.
    const { gain, delta } = worstCase([1, 1], [0.9, 0.95], { norm: 'l2', eps: 0.5, clipToUnitBox: true });
    expect(gain).toBeCloseTo(0.15, 15);
    expect(delta[0]).toBeCloseTo(0.1, 15);
    expect(delta[1]).toBeCloseTo(0.05, 15);
  });
});

describe('the worst case agrees with brute force on tiny dimensions', () => {
  /** Random instances: x in [0,1]^d with some coordinates on a face, a with some zeros, eps up to 1.2. */
  function* instances(count: number) {
    const random = Random.fromSeed(11);
    for (let trial = 0; trial < count; trial++) {
      const d = 2 + (trial % 2);
      const x = Array.from({ length: d }, () => {
        const u = random.uniform();
        return u < 0.15 ? 0 : u > 0.85 ? 1 : random.uniform();
      });
      const a = Array.from({ length: d }, () => (random.uniform() < 0.1 ? 0 : 4 * random.uniform() - 2));
      yield { x, a, eps: 0.05 + 1.15 * random.uniform() };
    }
  }
  /** The perturbations a coordinate may take: [-eps, eps], and inside the box [-x_j, 1 - x_j] too. */
  const interval = (xj: number, ball: Ball): [number, number] =>
    ball.clipToUnitBox ? [Math.max(-ball.eps, -xj), Math.min(ball.eps, 1 - xj)] : [-ball.eps, ball.eps];

  function expectFeasible(delta: number[], x: number[], ball: Ball) {
    const size = ball.norm === 'linf' ? Math.max(...delta.map(Math.abs)) : Math.hypot(...delta);
    expect(size).toBeLessThanOrEqual(ball.eps * (1 + 1e-12));
    if (ball.clipToUnitBox) {
      delta.forEach((t, j) => {
        expect((x[j] as number) + t).toBeGreaterThanOrEqual(-1e-15);
        expect((x[j] as number) + t).toBeLessThanOrEqual(1 + 1e-15);
      });
    }
  }

  for (const clipToUnitBox of [false, true]) {
    it(`linf${clipToUnitBox ? ' in the box' : ''}: the best vertex of the feasible box`, () => {
      for (const { x, a, eps } of instances(40)) {
        const ball: Ball = { norm: 'linf', eps, clipToUnitBox };
        const { gain, delta } = worstCase(a, x, ball);
        expectFeasible(delta, x, ball);
        expect(dot(a, delta)).toBeCloseTo(gain, 12);
        // A linear function peaks at a vertex of the box of per-coordinate intervals: try all 2^d.
        let best = Number.NEGATIVE_INFINITY;
        for (let corner = 0; corner < 2 ** x.length; corner++) {
          const vertex = x.map((xj, j) => interval(xj, ball)[(corner >> j) & 1] as number);
          best = Math.max(best, dot(a, vertex));
        }
        expect(gain).toBeCloseTo(best, 12);
      }
    });

    it(`l2${clipToUnitBox ? ' in the box' : ''}: no point of a fine grid over the feasible set does better`, () => {
      for (const { x, a, eps } of instances(20)) {
        const ball: Ball = { norm: 'l2', eps, clipToUnitBox };
        const { gain, delta } = worstCase(a, x, ball);
        expectFeasible(delta, x, ball);
        expect(dot(a, delta)).toBeCloseTo(gain, 12);
        const d = x.length;
        const steps = d === 2 ? 500 : 60;
        const ranges = x.map((xj) => interval(xj, ball));
        let best = 0;
        for (let cell = 0; cell < (steps + 1) ** d; cell++) {
          let rest = cell;
          let squared = 0;
          let value = 0;
          for (let j = 0; j < d; j++) {
            const [low, high] = ranges[j] as [number, number];
            const t = low + ((rest % (steps + 1)) / steps) * (high - low);
            rest = Math.floor(rest / (steps + 1));
            squared += t * t;
            value += (a[j] as number) * t;
          }
          if (squared <= eps * eps) best = Math.max(best, value);
        }
        // Shrinking the optimum by the grid's half-diagonal and rounding it to the grid stays feasible, so the
        // grid's best is within ||a|| x (cell diagonal) of the optimum.
        const diagonal = Math.hypot(...ranges.map(([low, high]) => (high - low) / steps));
        expect(best).toBeLessThanOrEqual(gain + 1e-12);
        expect(gain - best).toBeLessThanOrEqual(Math.hypot(...a) * diagonal * 1.01 + 1e-12);
      }
    });
  }
});

describe('exact robust evaluation of a linear model', () => {
  // v = w1 - w0 = (2, -1), c = b1 - b0 = 0.5.
  const weights = linearWeights([0.5, 0.25], [2.5, -0.75], [0.25, 0.75]);
  // u = 1.5 (y 1), -1.5 (y 0), 0.5 (y 1), 2.5 (y 0: misclassified clean).
  const data = split(
    [
      [1, 1],
      [-1, 0],
      [0, 0],
      [1, 0],
    ],
    [1, 0, 1, 0],
  );

  it('counts a worst case on the boundary as argmax does: the tie goes to class 0', () => {
    // linf eps 0.5 lowers every margin by 0.5 ||v||_1 = 1.5: u = 0 (y 1: a tie, predicted 0, broken),
    // u = 0 (y 0: still correct), u = -1 (y 1: broken), u = 4 (y 0: stays wrong).
    const evaluation = exactLinearEvaluation(weights, data, { norm: 'linf', eps: 0.5, clipToUnitBox: false });
    expect(evaluation.testBalanced.correct).toEqual([1, 0]);
    expect(evaluation.testBalanced.total).toEqual([2, 2]);
    expect(evaluation.perClass).toEqual({
      cleanAccuracy: [0.5, 1],
      worstClassCleanAccuracy: 0.5,
      robustAccuracy: [0.5, 0],
      worstClassRobustAccuracy: 0,
      boundaryError: [0, 1],
    });
    expect(evaluation.robustAccuracyDisparity).toBe(0.5);
    expect(evaluation.method).toEqual({ name: 'exact' });
    // Cross-entropy at the worst case: ln 2 at both ties, softplus(1) and softplus(4).
    const softplus = (t: number) => Math.log1p(Math.exp(t));
    expect(evaluation.testBalanced.loss).toBeCloseTo((2 * Math.LN2 + softplus(1) + softplus(4)) / 4, 14);
  });

  it('is the clean evaluation at radius 0', () => {
    const evaluation = exactLinearEvaluation(weights, data, { norm: 'l2', eps: 0, clipToUnitBox: false });
    expect(evaluation.perClass.robustAccuracy).toEqual(evaluation.perClass.cleanAccuracy);
    expect(evaluation.perClass.boundaryError).toEqual([0, 0]);
  });
});

describe('exact robust accuracy and the engines attacks', () => {
  beforeAll(async () => {
    await useFastestBackend();
  });

  const sizes = { train: 8, validation: 8, test: 400 };
  const pLayout = (w: LinearWeights, k: number) =>
    Float64Array.from({ length: w.featureCount + 1 }, (_, j) =>
      j < w.featureCount ? (w.weight[j * 2 + k] as number) : (w.bias[k] as number),
    );

  function linearCpu(weights: LinearWeights, data: LoadedDataset, spec: AttackSpec): SplitMetrics {
    const ws = createWorkspace(new LinearKernels(shareWithLinearKernels(data, 1, 64), 0));
    const random = Random.stream(2, TrainingStream.evaluation);
    return evaluateRobustLinear(pLayout(weights, 0), pLayout(weights, 1), ws, 'testBalanced', spec, random);
  }

  function tfjs(weights: LinearWeights, data: LoadedDataset, spec: AttackSpec): SplitMetrics {
    const d = weights.featureCount;
    const logits = (x: tf.Tensor2D) =>
      tf.add(tf.matMul(x, tf.tensor2d(weights.weight, [d, 2])), tf.tensor1d(weights.bias)) as tf.Tensor2D;
    return evaluateRobust(logits, data.splits.testBalanced, d, spec, {
      clipToUnitBox: data.pixelRange,
      random: Random.stream(2, TrainingStream.evaluation),
    });
  }

  /** The threat must matter and leave some samples, or agreeing would show little. */
  function expectMeaningful(evaluation: RobustnessEvaluation) {
    const { robustAccuracy, cleanAccuracy } = evaluation.perClass;
    expect(robustAccuracy[0] + robustAccuracy[1]).toBeGreaterThan(0.3);
    expect(robustAccuracy[0] + robustAccuracy[1]).toBeLessThan(cleanAccuracy[0] + cleanAccuracy[1] - 0.2);
  }

  for (const [norm, eps, boxedEps] of [
    ['linf', 0.5, 0.05],
    ['l2', 2.5, 0.25],
  ] as [Norm, number, number][]) {
    it(`unclipped ${norm === 'linf' ? 'FGSM' : 'FGM'} of both engines gives exactly the exact robust accuracy`, () => {
      const weights = gaussianSeparator(100, 3);
      const data = gaussian(sizes);
      const testSet = data.splits.testBalanced;
      const ball: Ball = { norm, eps, clipToUnitBox: false };
      const exact = exactLinearEvaluation(weights, testSet, ball);
      expectMeaningful(exact);
      // The engines attack in float32, which may move a worst case lying within ~1e-6 of the boundary; here
      // none lies within 1e-4, so the counts must agree exactly.
      expect(Math.min(...worstScores(weights, testSet, ball).map(Math.abs))).toBeGreaterThan(1e-4);
      const spec: AttackSpec = { norm, eps, method: { name: 'one-step' } };
      for (const attacked of [linearCpu(weights, data, spec), tfjs(weights, data, spec)]) {
        expect(attacked.correct).toEqual(exact.testBalanced.correct);
        expect(attacked.total).toEqual(exact.testBalanced.total);
        expect(Math.abs(attacked.loss - exact.testBalanced.loss) / exact.testBalanced.loss).toBeLessThan(
          1e-5,
        );
      }
    });

    it(`in the [0,1] box, ${norm} exact robust accuracy is at most evaluation PGD's and the one-step attack's`, () => {
      const weights = pixelSeparator(100, 3);
      const data = pixels(sizes);
      const ball: Ball = { norm, eps: boxedEps, clipToUnitBox: true };
      const exact = exactLinearEvaluation(weights, data.splits.testBalanced, ball);
      expectMeaningful(exact);
      const unboxed = exactLinearEvaluation(weights, data.splits.testBalanced, {
        ...ball,
        clipToUnitBox: false,
      });
      const fgsm = linearCpu(weights, data, { norm, eps: ball.eps, method: { name: 'one-step' } });
      const pgd = linearCpu(weights, data, evaluationPgd(norm, ball.eps));
      for (const label of [0, 1] as const) {
        expect(exact.testBalanced.correct[label]).toBeLessThanOrEqual(pgd.correct[label]);
        expect(exact.testBalanced.correct[label]).toBeLessThanOrEqual(fgsm.correct[label]);
        // The box only takes worst cases away.
        expect(exact.testBalanced.correct[label]).toBeGreaterThanOrEqual(unboxed.testBalanced.correct[label]);
      }
      expect(exact.testBalanced.loss).toBeGreaterThanOrEqual(pgd.loss * (1 - 1e-6));
      // The box must bind for some samples, or this would be the unclipped case again.
      expect(exact.testBalanced.loss).toBeLessThan(unboxed.testBalanced.loss);
    });
  }
});
