import { describe, expect, test } from 'vitest';
import type { LoadedDataset } from '../../../src/datasets/types.js';
import { Random, TrainingStream } from '../../../src/random.js';
import { epochBatches } from '../../../src/train/batches.js';
import { Kernels, shareWithKernels } from '../../../src/train/engines/linear-cpu/kernels.js';
import {
  createLinearModel,
  createWorkspace,
  evaluateLinear,
  evaluateRobustLinear,
  linearWeights,
  trainStep,
  type Workspace,
} from '../../../src/train/engines/linear-cpu/linear-model.js';
import { StackedCell } from '../../../src/train/engines/stacked-cell.js';
import { trainStep as generalStep } from '../../../src/train/engines/tfjs.js';
import { evaluateRobust } from '../../../src/train/evaluate.js';
import { initLinear, type LinearWeights } from '../../../src/train/init.js';
import { createModel, disposeModel } from '../../../src/train/models.js';
import { createOptimizer } from '../../../src/train/optimizers.js';
import { evaluationPgd, pgdMethod } from '../../../src/train/protocol.js';
import {
  type AttackSpec,
  OPTIMIZER_NAMES,
  type RunSpec,
  type TrainingMode,
  trainingAttack,
} from '../../../src/train/run-spec.js';
import { tf, useFastestBackend } from '../../../src/train/tf.js';
import { gaussian, pixels, runSpec } from './fixtures/datasets.js';

// 160 + 160 training samples: one epoch is exactly 5 batches of 64.
const FIVE_STEPS = { train: 160, validation: 100, test: 100 };

/** linear-cpu's workspace on `data`, in this thread (the engine's workers each open one the same way). */
function linearCpuWorkspace(data: LoadedDataset): Workspace {
  return createWorkspace(new Kernels(shareWithKernels(data, 1, 64), 0));
}

/** linear-cpu's model after one epoch of 5 steps, through the same per-step function the engine uses. */
function linearCpuAfterFiveSteps(run: RunSpec, data: LoadedDataset): LinearWeights {
  const d = data.featureShape[0] as number;
  const model = createLinearModel(run, initLinear(d, 2, Random.stream(run.seed, TrainingStream.init)));
  const ws = linearCpuWorkspace(data);
  const batches = epochBatches(
    data.splits.train.count,
    run.batchSize,
    Random.stream(run.seed, TrainingStream.batches),
  );
  expect(batches).toHaveLength(5);
  for (const batch of batches) trainStep(model, ws, batch);
  return linearWeights(model);
}

function tfjsAfterFiveSteps(runs: RunSpec[], data: LoadedDataset): LinearWeights[] {
  const cell = new StackedCell(runs, data);
  try {
    cell.trainEpoch();
    return runs.map((_, m) => {
      const [weight, bias] = cell.parameterValues(m) as [Float32Array, Float32Array];
      return { weight, bias, featureCount: data.featureShape[0] as number, classCount: 2 };
    });
  } finally {
    cell.dispose();
  }
}

/** tfjs's general path (one model, optimizers.ts, the one-run trainStep) after one epoch of 5 steps. */
function generalPathAfterFiveSteps(run: RunSpec, data: LoadedDataset): LinearWeights {
  const [weight, bias] = generalParameters(run, data) as [Float32Array, Float32Array];
  return { weight, bias, featureCount: data.featureShape[0] as number, classCount: 2 };
}

/** The same, every parameter of any model, in models.ts's order. */
function generalParameters(run: RunSpec, data: LoadedDataset): Float32Array[] {
  const d = data.featureShape[0] as number;
  const model = createModel(run.model, data.featureShape, Random.stream(run.seed, TrainingStream.init));
  const optimizer = createOptimizer(run.optimizer, run.learningRate);
  const context = { clipToUnitBox: data.pixelRange, random: Random.stream(run.seed, TrainingStream.attack) };
  const train = data.splits.train;
  try {
    for (const batch of epochBatches(
      train.count,
      run.batchSize,
      Random.stream(run.seed, TrainingStream.batches),
    )) {
      tf.tidy(() => {
        const rows = new Float32Array(batch.length * d);
        batch.forEach((sample, k) => {
          rows.set(train.x.subarray(sample * d, (sample + 1) * d), k * d);
        });
        const x = tf.tensor2d(rows, [batch.length, d]);
        const y = tf.tensor1d(
          Int32Array.from(batch, (i) => train.y[i] as number),
          'int32',
        );
        generalStep(model, optimizer, x, y, run.mode, run.objective, context);
      });
    }
    return model.parameters.map((p) => p.dataSync() as Float32Array);
  } finally {
    optimizer.dispose();
    disposeModel(model);
  }
}

function maxArrayDifference(a: Float32Array[], b: Float32Array[]): number {
  let max = 0;
  a.forEach((values, k) => {
    values.forEach((v, i) => {
      max = Math.max(max, Math.abs(v - (b[k]?.[i] as number)));
    });
  });
  return max;
}

function maxDifference(a: LinearWeights, b: LinearWeights): number {
  let max = 0;
  a.weight.forEach((w, i) => {
    max = Math.max(max, Math.abs(w - (b.weight[i] as number)));
  });
  a.bias.forEach((w, i) => {
    max = Math.max(max, Math.abs(w - (b.bias[i] as number)));
  });
  return max;
}

const MODES: [string, TrainingMode, () => LoadedDataset][] = [
  ['standard', { kind: 'standard' }, () => gaussian(FIVE_STEPS)],
  [
    'FGSM',
    { kind: 'adversarial', norm: 'linf', eps: 0.5, method: { name: 'one-step' } },
    () => gaussian(FIVE_STEPS),
  ],
  [
    'FGM',
    { kind: 'adversarial', norm: 'l2', eps: 2.5, method: { name: 'one-step' } },
    () => gaussian(FIVE_STEPS),
  ],
  [
    'FGSM with [0,1] clipping',
    { kind: 'adversarial', norm: 'linf', eps: 0.1, method: { name: 'one-step' } },
    () => pixels(FIVE_STEPS),
  ],
  [
    'FGM with [0,1] clipping',
    { kind: 'adversarial', norm: 'l2', eps: 1.5, method: { name: 'one-step' } },
    () => pixels(FIVE_STEPS),
  ],
];

describe('after 5 steps from the same seed', async () => {
  await useFastestBackend();

  test.each(MODES)('%s: linear-cpu and the tfjs engine give weights within 1e-5', (_, mode, dataset) => {
    const data = dataset();
    const runs = [runSpec(data, 2, 0.01, mode), runSpec(data, 22, 0.001, mode)];
    const tfjs = tfjsAfterFiveSteps(runs, data);
    runs.forEach((run, m) => {
      const cpu = linearCpuAfterFiveSteps(run, data);
      // The initial weights are within 0.1 of each other, and 5 Adam steps of lr 0.01 move them by up to 0.05:
      // a difference below 1e-5 means the same steps were taken.
      expect(maxDifference(cpu, tfjs[m] as LinearWeights)).toBeLessThan(1e-5);
      expect(
        maxDifference(cpu, initLinear(100, 2, Random.stream(run.seed, TrainingStream.init))),
      ).toBeGreaterThan(1e-3);
    });
  });

  const PGD: [string, TrainingMode, () => LoadedDataset][] = [
    [
      'PGD linf',
      { kind: 'adversarial', norm: 'linf', eps: 0.5, method: pgdMethod('linf', 0.5) },
      () => gaussian(FIVE_STEPS),
    ],
    [
      'PGD l2',
      { kind: 'adversarial', norm: 'l2', eps: 2.5, method: pgdMethod('l2', 2.5) },
      () => gaussian(FIVE_STEPS),
    ],
    [
      'PGD linf with [0,1] clipping',
      { kind: 'adversarial', norm: 'linf', eps: 0.1, method: pgdMethod('linf', 0.1) },
      () => pixels(FIVE_STEPS),
    ],
    [
      'PGD l2 with [0,1] clipping',
      { kind: 'adversarial', norm: 'l2', eps: 1.5, method: pgdMethod('l2', 1.5) },
      () => pixels(FIVE_STEPS),
    ],
  ];
  const LINEAR_CPU_CASES = [
    ...[...MODES, ...PGD].flatMap(([name, mode, dataset]) =>
      OPTIMIZER_NAMES.map((optimizer) => [`${name}, ${optimizer}`, { mode, optimizer }, dataset] as const),
    ),
    ...[...MODES.slice(1), ...PGD].map(
      ([name, mode, dataset]) =>
        [`${name}, reference objective`, { mode, objective: 'reference' as const }, dataset] as const,
    ),
  ];

  test.each(LINEAR_CPU_CASES)(
    '%s: linear-cpu and the general one-run tfjs path give weights within 1e-5',
    (_, change, dataset) => {
      const data = dataset();
      for (const [seed, lr] of [
        [2, 0.01],
        [22, 0.001],
      ] as const) {
        const run = { ...runSpec(data, seed, lr, { kind: 'standard' }), ...change };
        const cpu = linearCpuAfterFiveSteps(run, data);
        expect(maxDifference(cpu, generalPathAfterFiveSteps(run, data))).toBeLessThan(1e-5);
        expect(
          maxDifference(cpu, initLinear(100, 2, Random.stream(seed, TrainingStream.init))),
        ).toBeGreaterThan(lr / 10);
      }
    },
  );

  test.each([
    ...PGD.map(([name, mode, dataset]) => [`linear, ${name}`, 'linear', mode, dataset] as const),
    ...[...MODES.slice(0, 2), PGD[0], PGD[3]].map(
      (entry) =>
        [`mlp, ${entry?.[0]}`, 'mlp', entry?.[1] as TrainingMode, entry?.[2] as () => LoadedDataset] as const,
    ),
  ])(
    '%s: the general one-run path and a stacked cell give parameters within 1e-5',
    (_, model, mode, dataset) => {
      const data = dataset();
      // Adam is left out for the MLP: a hidden unit whose pre-activation sits at ReLU's kink for some sample
      // gets a near-zero gradient whose float32 rounding differs between one model's matMul and the stacked one,
      // and Adam turns that noise into an lr-sized step (measured: 1 of 200 units, up to 2e-3 after 5 steps).
      const optimizers = model === 'mlp' ? (['sgd', 'sgd-momentum'] as const) : OPTIMIZER_NAMES;
      for (const optimizer of optimizers) {
        const group = [2, 22].map((seed) => ({ ...runSpec(data, seed, 0.01, mode), model, optimizer }));
        const cell = new StackedCell(group, data);
        try {
          cell.trainEpoch();
          group.forEach((run, m) => {
            const stacked = cell.parameterValues(m);
            expect(stacked).toHaveLength(model === 'mlp' ? 4 : 2);
            expect(maxArrayDifference(generalParameters(run, data), stacked)).toBeLessThan(1e-5);
          });
        } finally {
          cell.dispose();
        }
      }
    },
  );

  test.each([...MODES.slice(1), ...PGD])(
    '%s: robust evaluation in linear-cpu loops and in tfjs agree on the same weights',
    (_, mode, dataset) => {
      const data = dataset();
      const spec = trainingAttack(mode) as AttackSpec;
      const trained = linearCpuAfterFiveSteps(runSpec(data, 2, 0.05, mode), data);
      const d = data.featureShape[0] as number;
      const p = (k: number) =>
        Float64Array.from(
          { length: d + 1 },
          (_, j) => (j < d ? trained.weight[j * 2 + k] : trained.bias[k]) as number,
        );
      for (const attackSpec of [spec, evaluationPgd(spec.norm, spec.eps)]) {
        const split = data.splits.testBalanced;
        const random = () => Random.stream(2, TrainingStream.evaluation);
        const ws = linearCpuWorkspace(data);
        const cpu = evaluateRobustLinear(p(0), p(1), ws, 'testBalanced', attackSpec, random());
        const logits = (x: tf.Tensor2D) =>
          tf.add(tf.matMul(x, tf.tensor2d(trained.weight, [d, 2])), tf.tensor1d(trained.bias)) as tf.Tensor2D;
        const tfjs = evaluateRobust(logits, split, d, attackSpec, {
          clipToUnitBox: data.pixelRange,
          random: random(),
        });
        // Same weights, same draws: only float32 vs float64 arithmetic differs, which can move a sample lying
        // within ~1e-6 of the boundary; 1 sample per class and 1e-4 relative loss bound that.
        expect(Math.abs(cpu.loss - tfjs.loss) / tfjs.loss).toBeLessThan(1e-4);
        for (const label of [0, 1] as const)
          expect(Math.abs(cpu.correct[label] - tfjs.correct[label])).toBeLessThanOrEqual(1);
        // The attack must matter, or agreeing on it would show nothing.
        expect(tfjs.loss).toBeGreaterThan(evaluateLinear(p(0), p(1), ws, 'testBalanced').loss * 1.05);
      }
    },
  );

  test('the reference objective changes the update, so its equivalence test can fail', () => {
    const data = gaussian(FIVE_STEPS);
    const [, mode] = PGD[0] as (typeof PGD)[number];
    const run = runSpec(data, 2, 0.01, mode);
    const reference = linearCpuAfterFiveSteps({ ...run, objective: 'reference' }, data);
    expect(maxDifference(reference, linearCpuAfterFiveSteps(run, data))).toBeGreaterThan(1e-3);
  });

  test.each(
    MODES.flatMap(([name, mode, dataset]) =>
      OPTIMIZER_NAMES.map((optimizer) => [`${name}, ${optimizer}`, mode, dataset, optimizer] as const),
    ),
  )(
    '%s: the general one-run path and a stacked cell give weights within 1e-5',
    (_, mode, dataset, optimizer) => {
      const data = dataset();
      const runs = [
        { ...runSpec(data, 2, 0.01, mode), optimizer },
        { ...runSpec(data, 22, 0.001, mode), optimizer },
      ];
      const stacked = tfjsAfterFiveSteps(runs, data);
      runs.forEach((run, m) => {
        expect(maxDifference(generalPathAfterFiveSteps(run, data), stacked[m] as LinearWeights)).toBeLessThan(
          1e-5,
        );
      });
    },
  );

  test.each(MODES)(
    '%s: tfjs one model at a time and a stacked cell give weights within 1e-5',
    (_, mode, dataset) => {
      const data = dataset();
      const runs = [2, 22, 42].flatMap((seed) => [0.05, 0.001].map((lr) => runSpec(data, seed, lr, mode)));
      const stacked = tfjsAfterFiveSteps(runs, data);
      runs.forEach((run, m) => {
        const [alone] = tfjsAfterFiveSteps([run], data);
        expect(maxDifference(alone as LinearWeights, stacked[m] as LinearWeights)).toBeLessThan(1e-5);
      });
    },
  );
});
