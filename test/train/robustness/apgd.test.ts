import { beforeAll, describe, expect, it } from 'vitest';
import type { Split } from '../../../src/datasets/types.js';
import { Random, TrainingStream } from '../../../src/random.js';
import { createModel } from '../../../src/train/engines/tfjs/models.js';
import { evaluateRobust } from '../../../src/train/engines/tfjs-shared/evaluate.js';
import { tf, useFastestBackend } from '../../../src/train/engines/tfjs-shared/tf.js';
import type { LinearWeights } from '../../../src/train/init.js';
import { evaluationPgd } from '../../../src/train/protocol.js';
import { APGD_CE, apgd, apgdCheckpoints, apgdEvaluation } from '../../../src/train/robustness/apgd.js';
import type { Ball } from '../../../src/train/robustness/evaluation.js';
import { exactLinearEvaluation } from '../../../src/train/robustness/exact-linear.js';
import { linearClassifier } from '../../../src/train/robustness/linear-classifier.js';
import { mlpClassifier } from '../../../src/train/robustness/mlp-classifier.js';
import { type StartPoint, seededStarts } from '../../../src/train/robustness/random-start.js';
import { gaussian, pixels } from '../engines/fixtures/datasets.js';
import { gaussianSeparator, mlpFixture, pixelSeparator, worstScores } from './fixtures.js';

describe('APGD schedule', () => {
  it('checks the step size at the published checkpoints: ceil(p_j 100) with p = 0, 0.22, 0.41, 0.57, ...', () => {
    // Gaps 22, 19, 16, 13, 10, 7, then the 0.06 floor: 6, 6 (the next, 1.05, is past the end).
    expect(apgdCheckpoints(100)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
    expect(apgdCheckpoints(1000)).toEqual([220, 410, 570, 700, 800, 870, 930, 990]);
  });
});

describe('APGD random starts', () => {
  const d = 50;
  const x = Float32Array.from({ length: d }, (_, j) => j / d);
  const startOf = (start: StartPoint, sample: number, restart: number) => {
    const out = new Float32Array(d);
    start(sample, restart, x, out);
    return out;
  };

  it('linf starts lie on the surface of the ball, l2 starts on the sphere', () => {
    const linf = startOf(seededStarts(2, { norm: 'linf', eps: 0.3, clipToUnitBox: false }), 7, 0);
    expect(Math.max(...linf.map((s, j) => Math.abs(s - (x[j] as number))))).toBeCloseTo(0.3, 6);
    const l2 = startOf(seededStarts(2, { norm: 'l2', eps: 1.5, clipToUnitBox: false }), 7, 0);
    expect(Math.hypot(...l2.map((s, j) => s - (x[j] as number)))).toBeCloseTo(1.5, 5);
  });

  it('depend only on the run seed, the sample and the restart, not on the order they are drawn in', () => {
    const ball: Ball = { norm: 'linf', eps: 0.3, clipToUnitBox: false };
    const forward = [0, 1, 2].map((sample) => startOf(seededStarts(2, ball), sample, 0));
    const backward = [2, 1, 0].map((sample) => startOf(seededStarts(2, ball), sample, 0)).reverse();
    expect(forward).toEqual(backward);
    const distinct = [
      startOf(seededStarts(2, ball), 0, 1),
      startOf(seededStarts(22, ball), 0, 0),
      forward[1] as Float32Array,
    ];
    for (const other of distinct) expect(other).not.toEqual(forward[0]);
  });
});

describe('APGD on a linear model, against the exact worst case', () => {
  const sizes = { train: 8, validation: 8, test: 400 };
  const unbounded = { weights: gaussianSeparator(100, 3), data: () => gaussian(sizes).splits.testBalanced };
  const boxed = { weights: pixelSeparator(100, 3), data: () => pixels(sizes).splits.testBalanced };
  const cases: { ball: Ball; weights: LinearWeights; data: () => Split; reaches: boolean }[] = [
    { ball: { norm: 'linf', eps: 0.5, clipToUnitBox: false }, ...unbounded, reaches: true },
    { ball: { norm: 'l2', eps: 2.5, clipToUnitBox: false }, ...unbounded, reaches: true },
    // In the box, a linf step along sign(g) clipped to ball and box is still the exact worst case.
    { ball: { norm: 'linf', eps: 0.05, clipToUnitBox: true }, ...boxed, reaches: true },
    // l2 projects onto the ball and then clips to the box, which is not the projection onto their intersection.
    { ball: { norm: 'l2', eps: 0.25, clipToUnitBox: true }, ...boxed, reaches: false },
  ];

  for (const { ball, weights, data, reaches } of cases) {
    const name = `${ball.norm}${ball.clipToUnitBox ? ' in the box' : ''}`;
    it(`${name}: never above the exact robust accuracy${reaches ? ', and equal to it' : ''}`, () => {
      const testSet = data();
      const exact = exactLinearEvaluation(weights, testSet, ball);
      const options = { ball, restarts: APGD_CE.restarts, start: seededStarts(2, ball) };
      const found = apgdEvaluation(linearClassifier(weights), testSet, options);
      const { robustAccuracy, cleanAccuracy } = exact.perClass;
      // The threat must matter, and leave some samples.
      expect(robustAccuracy[0] + robustAccuracy[1]).toBeGreaterThan(0.3);
      expect(robustAccuracy[0] + robustAccuracy[1]).toBeLessThan(cleanAccuracy[0] + cleanAccuracy[1] - 0.2);
      expect(found.perClass.cleanAccuracy).toEqual(cleanAccuracy);
      const [found0, found1] = found.testBalanced.correct;
      const [exact0, exact1] = exact.testBalanced.correct;
      expect(found0).toBeGreaterThanOrEqual(exact0);
      expect(found1).toBeGreaterThanOrEqual(exact1);
      // Losses are float32 logits against float64 worst cases.
      expect(found.testBalanced.loss).toBeLessThanOrEqual(exact.testBalanced.loss * (1 + 1e-5));
      if (reaches) {
        // Float32 iterates may move a worst case within ~1e-6 of the boundary; none lies within 1e-4 here.
        expect(Math.min(...worstScores(weights, testSet, ball).map(Math.abs))).toBeGreaterThan(1e-4);
        expect(found.testBalanced.correct).toEqual(exact.testBalanced.correct);
        expect(found.testBalanced.loss).toBeCloseTo(exact.testBalanced.loss, 4);
      } else {
        // Close to the worst case all the same: a few samples of 800 at most.
        expect(found0 - exact0 + found1 - exact1).toBeLessThanOrEqual(8);
      }
      expect(found.method).toEqual({ name: 'apgd-ce', iterations: 100, restarts: 1 });
    });
  }
});

describe('APGD restarts', () => {
  it('start again only the samples no earlier restart broke, each from its own start', () => {
    const weights = gaussianSeparator(100, 3);
    const testSet = gaussian({ train: 8, validation: 8, test: 100 }).splits.testBalanced;
    const ball: Ball = { norm: 'l2', eps: 2.5, clipToUnitBox: false };
    const seeded = seededStarts(2, ball);
    const drawn: [number, number][] = [];
    const start: StartPoint = (sample, restart, x, out) => {
      drawn.push([sample, restart]);
      seeded(sample, restart, x, out);
    };
    const once = apgd(linearClassifier(weights), testSet, { ball, restarts: 1, start: seeded });
    const thrice = apgd(linearClassifier(weights), testSet, { ball, restarts: 3, start });
    const unbroken = [...once.broken.keys()].filter((i) => once.broken[i] === 0);
    expect(unbroken.length).toBeGreaterThan(0);
    expect(unbroken.length).toBeLessThan(testSet.count);
    expect(drawn.filter(([, r]) => r === 0).map(([s]) => s)).toEqual([...once.broken.keys()]);
    // The first restart is the single run; a linear model has nothing more to give, so later ones find the same.
    expect(drawn.filter(([, r]) => r === 1).map(([s]) => s)).toEqual(unbroken);
    expect(drawn.filter(([, r]) => r === 2).map(([s]) => s)).toEqual(unbroken);
    expect(thrice.broken).toEqual(once.broken);
    thrice.bestLoss.forEach((loss, i) => {
      expect(loss).toBeGreaterThanOrEqual(once.bestLoss[i] as number);
    });
  });
});

describe('APGD on the MLP, against adgap evaluation PGD', () => {
  beforeAll(async () => {
    await useFastestBackend();
  });

  for (const ball of [
    { norm: 'linf', eps: 0.12, clipToUnitBox: false },
    { norm: 'l2', eps: 0.25, clipToUnitBox: true },
  ] as Ball[]) {
    it(`${ball.norm}${ball.clipToUnitBox ? ' in the box' : ''}: breaks at least the samples PGD breaks, up to a few`, () => {
      const d = ball.clipToUnitBox ? 48 : 24;
      const { weights, data } = mlpFixture(d, 240, ball.clipToUnitBox);
      const found = apgdEvaluation(mlpClassifier(weights), data, {
        ball,
        restarts: APGD_CE.restarts,
        start: seededStarts(2, ball),
      });
      // The same weights in the tfjs engine's MLP.
      const model = createModel('mlp', [d], Random.fromSeed(0));
      const { hidden, output } = weights;
      [hidden.weight, hidden.bias, output.weight, output.bias].forEach((values, k) => {
        const parameter = model.parameters[k] as tf.Variable;
        parameter.assign(tf.tensor(values, parameter.shape));
      });
      const pgd = evaluateRobust(
        (x) => model.logits(x, 'eval'),
        data,
        d,
        evaluationPgd(ball.norm, ball.eps),
        {
          clipToUnitBox: ball.clipToUnitBox,
          random: Random.stream(2, TrainingStream.evaluation),
        },
      );
      const [apgd0, apgd1] = found.testBalanced.correct;
      const [pgd0, pgd1] = pgd.correct;
      // The attack must break some samples and leave others, or comparing would show little.
      expect(apgd0 + apgd1).toBeLessThan(0.7 * data.count);
      expect(apgd0 + apgd1).toBeGreaterThan(0.1 * data.count);
      expect(apgd0 + apgd1).toBeLessThanOrEqual(pgd0 + pgd1 + 2);
      expect(found.testBalanced.loss).toBeGreaterThanOrEqual(pgd.loss * 0.999);
    });
  }
});
