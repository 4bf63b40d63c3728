import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../../../src/random.js';
import { createModel, type Model } from '../../../../src/train/engines/tfjs/models.js';
import { attack, type InputGradient } from '../../../../src/train/engines/tfjs-shared/attacks.js';
import { evaluateRobust, evaluateSplit } from '../../../../src/train/engines/tfjs-shared/evaluate.js';
import { crossEntropy, tf, useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';
import type { AttackSpec, Norm } from '../../../../src/train/modes.js';
import { evaluationPgd, pgdMethod } from '../../../../src/train/protocol.js';
import { linearModel, uniformRows } from '../tfjs/helpers.js';

beforeAll(async () => {
  await useFastestBackend();
});

const gradientOf =
  (model: Model, y: tf.Tensor1D): InputGradient =>
  (x) =>
    tf.grad((v: tf.Tensor) => crossEntropy(model.logits(v as tf.Tensor2D, 'eval'), y))(x) as tf.Tensor2D;

const lossAt = (model: Model, x: tf.Tensor2D, y: tf.Tensor1D) =>
  tf.tidy(() => crossEntropy(model.logits(x, 'eval'), y).dataSync()[0] as number);

function attackRows(model: Model, x: number[][], labels: number[], spec: AttackSpec, clip: boolean) {
  return tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32');
    const input = tf.tensor2d(x);
    const adversarial = attack(input, spec, gradientOf(model, y), {
      clipToUnitBox: clip,
      random: Random.fromSeed(7),
    });
    return { rows: adversarial.arraySync(), loss: lossAt(model, adversarial, y) };
  });
}

describe('PGD on a linear model', () => {
  const d = 6;
  const weight = uniformRows(1, d, 2, -1, 1);
  const x = uniformRows(2, 8, d, -2, 2);
  const labels = [0, 1, 0, 1, 1, 0, 0, 1];
  const model = () => linearModel(weight, [0.1, -0.2]);
  /** The closed-form worst case: every sample moves by eps along (w_other - w_true), in the norm's sense. */
  function worstCase(norm: Norm, eps: number): number[][] {
    return x.map((row, n) => {
      const label = labels[n] as number;
      const direction = weight.map((w) => (w[1 - label] as number) - (w[label] as number));
      const length = Math.hypot(...direction);
      return row.map((v, i) => {
        const g = direction[i] as number;
        return v + (norm === 'linf' ? eps * Math.sign(g) : (eps * g) / length);
      });
    });
  }

  for (const [norm, eps] of [
    ['linf', 0.3],
    ['l2', 0.8],
  ] as const) {
    it(`evaluation PGD reaches the closed-form ${norm} worst case within 1e-3 relative loss`, () => {
      const m = model();
      const { loss } = attackRows(m, x, labels, evaluationPgd(norm, eps), false);
      const best = tf.tidy(() => lossAt(m, tf.tensor2d(worstCase(norm, eps)), tf.tensor1d(labels, 'int32')));
      expect(Math.abs(loss - best) / best).toBeLessThan(1e-3);
      // The clean loss is far below: the test would notice an attack that did nothing.
      const clean = tf.tidy(() => lossAt(m, tf.tensor2d(x), tf.tensor1d(labels, 'int32')));
      expect(best - clean).toBeGreaterThan(0.1);
    });
  }

  it("the reference's training PGD falls short of the linf worst case (why evaluation takes longer steps)", () => {
    const m = model();
    const { loss } = attackRows(
      m,
      x,
      labels,
      { norm: 'linf', eps: 0.3, method: pgdMethod('linf', 0.3) },
      false,
    );
    const best = tf.tidy(() => lossAt(m, tf.tensor2d(worstCase('linf', 0.3)), tf.tensor1d(labels, 'int32')));
    expect((best - loss) / best).toBeGreaterThan(1e-3);
  });

  it('keeps pixel data inside the eps-ball and the [0,1] box', () => {
    const pixels = uniformRows(3, 8, d, 0, 1).map((row) => row.map((v, i) => (i < 2 ? Math.round(v) : v)));
    for (const [norm, eps] of [
      ['linf', 0.3],
      ['l2', 0.8],
    ] as const) {
      const { rows } = attackRows(model(), pixels, labels, evaluationPgd(norm, eps), true);
      rows.forEach((row, n) => {
        const delta = row.map((v, i) => v - (pixels[n]?.[i] as number));
        const size = norm === 'linf' ? Math.max(...delta.map(Math.abs)) : Math.hypot(...delta);
        expect(size).toBeLessThanOrEqual(eps * (1 + 1e-5));
        expect(size).toBeGreaterThan(eps / 10);
        for (const v of row) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(1);
        }
      });
    }
  });
});

describe('on a small MLP', () => {
  const d = 10;
  const data = {
    x: Float32Array.from(uniformRows(4, 64, d, 0, 1).flat()),
    y: Uint8Array.from({ length: 64 }, (_, i) => i % 2),
    count: 64,
  };

  for (const norm of ['linf', 'l2'] as const) {
    it(`PGD's ${norm} loss is at least FGSM's and its accuracy at most the clean one`, () => {
      const model = createModel('mlp', [d], Random.fromSeed(5));
      const eps = norm === 'linf' ? 0.2 : 0.6;
      const run = (spec: AttackSpec) =>
        tf.tidy(() => {
          const x = tf.tensor2d(data.x, [64, d]);
          const y = tf.tensor1d(Int32Array.from(data.y), 'int32');
          const adversarial = attack(x, spec, gradientOf(model, y), {
            clipToUnitBox: true,
            random: Random.fromSeed(9),
          });
          return lossAt(model, adversarial, y);
        });
      const oneStep = run({ norm, eps, method: { name: 'one-step' } });
      const pgd = run(evaluationPgd(norm, eps));
      const clean = evaluateSplit((x) => model.logits(x, 'eval'), data, d);
      expect(pgd).toBeGreaterThanOrEqual(oneStep);
      expect(oneStep).toBeGreaterThan(clean.loss);
      // Adversarial accuracy, from the same chunked evaluation robust metrics use.
      const robust = evaluateRobust((x) => model.logits(x, 'eval'), data, d, evaluationPgd(norm, eps), {
        clipToUnitBox: true,
        random: Random.fromSeed(9),
      });
      const correct = (m: { correct: [number, number] }) => m.correct[0] + m.correct[1];
      expect(correct(robust)).toBeLessThanOrEqual(correct(clean));
      expect(robust.loss).toBeGreaterThan(clean.loss);
    });
  }
});
