import { beforeAll, describe, expect, test } from 'vitest';
import type { LoadedDataset } from '../../../../src/datasets/types.js';
import { Random, TrainingStream } from '../../../../src/random.js';
import { epochBatches } from '../../../../src/train/batches.js';
import { MlpKernels, shareWithMlpKernels } from '../../../../src/train/engines/mlp-cpu/kernels.js';
import {
  createMlpModel,
  createMlpWorkspace,
  evaluateMlp,
  evaluateRobustMlp,
  type MlpWorkspace,
  mlpParameters,
  trainStep,
} from '../../../../src/train/engines/mlp-cpu/mlp-model.js';
import {
  type ProductsChoice,
  productsBackend,
  WASM_PRODUCTS,
} from '../../../../src/train/engines/mlp-cpu/products.js';
import { initMlp } from '../../../../src/train/engines/mlp-cpu/train-group.js';
import { evaluateRobust, evaluateSplit } from '../../../../src/train/engines/tfjs-shared/evaluate.js';
import { tf, useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';
import { type AttackSpec, trainingAttack } from '../../../../src/train/modes.js';
import { evaluationPgd } from '../../../../src/train/protocol.js';
import { OPTIMIZER_NAMES, type RunSpec } from '../../../../src/train/run-spec.js';
import { gaussian, runSpec } from '../fixtures/datasets.js';
import { allModes, FIVE_STEPS } from '../fixtures/equivalence-modes.js';
import {
  type GradientLog,
  generalParameters,
  hadNearZeroGradient,
  maxArrayDifference,
} from '../fixtures/general-path.js';
import { buildNativeProducts, nativeChoices } from '../fixtures/native-products.js';

// Every way mlp-cpu computes its hidden layer's products: the wasm kernels, and the native addon's kernel sets
// this CPU runs (built from source here, as CI builds it). Each is held to the same rule against tfjs.
const BACKENDS: ProductsChoice[] = [WASM_PRODUCTS];
beforeAll(() => {
  BACKENDS.push(...nativeChoices(buildNativeProducts()));
}, 180_000);

function mlpCpuWorkspace(data: LoadedDataset, products: ProductsChoice): MlpWorkspace {
  return createMlpWorkspace(new MlpKernels(shareWithMlpKernels(data, 1, 64, products), 0));
}

/** mlp-cpu's parameters (models.ts's layout) after one epoch, through the same per-step function the engine uses. */
function mlpCpuAfterOneEpoch(
  run: RunSpec,
  data: LoadedDataset,
  products: ProductsChoice = WASM_PRODUCTS,
): Float32Array[] {
  const d = data.featureShape[0] as number;
  const ws = mlpCpuWorkspace(data, products);
  const model = createMlpModel(run, initMlp(d, run.seed), ws.kernels.stride);
  const batches = epochBatches(
    data.splits.train.count,
    run.batchSize,
    Random.stream(run.seed, TrainingStream.batches),
  );
  for (const batch of batches) trainStep(model, ws, batch);
  return mlpParameters(model.parameters, d);
}

const initial = (run: RunSpec, d: number): Float32Array[] => {
  const init = initMlp(d, run.seed);
  return [init.hidden.weight, init.hidden.bias, init.output.weight, init.output.bias];
};

// PGD of 10 steps here (the protocol's 40 for linf, 50 for l2 in equivalence.test.ts and cuda-equivalence.ts).
const MODES = allModes(10);

describe('mlp-cpu after 5 steps from the same seed', async () => {
  await useFastestBackend();

  const CASES = [
    ...MODES.flatMap(([name, mode, dataset]) =>
      OPTIMIZER_NAMES.map((optimizer) => [`${name}, ${optimizer}`, { mode, optimizer }, dataset] as const),
    ),
    ...MODES.slice(1).map(
      ([name, mode, dataset]) =>
        [
          `${name}, sgd, reference objective`,
          { mode, optimizer: 'sgd' as const, objective: 'reference' as const },
          dataset,
        ] as const,
    ),
  ];

  test.each(CASES)(
    '%s: mlp-cpu and the general one-run tfjs path give parameters within 1e-5',
    (_, change, dataset) => {
      const data = dataset();
      const d = data.featureShape[0] as number;
      for (const [seed, lr] of [
        [2, 0.01],
        [22, 0.001],
      ] as const) {
        const run: RunSpec = { ...runSpec(data, seed, lr, { kind: 'standard' }), model: 'mlp', ...change };
        const gradients: GradientLog = [];
        const general = generalParameters(run, data, { gradients });
        expect(gradients).toHaveLength(5);
        expect(BACKENDS.length).toBeGreaterThan(1);
        for (const products of BACKENDS) {
          const cpu = mlpCpuAfterOneEpoch(run, data, products);
          const backend = `${productsBackend(products)}, seed ${seed}`;
          expect(maxArrayDifference(cpu, initial(run, d)), backend).toBeGreaterThan(lr / 10);
          if (run.optimizer !== 'adam') {
            expect(maxArrayDifference(cpu, general), backend).toBeLessThan(1e-5);
            continue;
          }
          // Adam: lr g / (|g| + eps) turns float32 rounding of a gradient within 10 eps of zero into a weight
          // difference of up to lr (equivalence.test.ts demonstrates it for two tfjs paths): a parameter more
          // than 1e-5 apart must have had such a gradient at some step, and there may be only a few.
          let exempt = 0;
          let elsewhere = 0;
          general.forEach((values, k) => {
            values.forEach((w, i) => {
              const difference = Math.abs(w - (cpu[k]?.[i] as number));
              if (difference < 1e-5) return;
              if (hadNearZeroGradient(gradients, k, i)) exempt += 1;
              else elsewhere = Math.max(elsewhere, difference);
            });
          });
          expect(elsewhere, backend).toBeLessThan(1e-5);
          // A few of the 20,702 parameters (3 at most, measured), not a blanket exemption.
          expect(exempt, backend).toBeLessThanOrEqual(10);
        }
      }
    },
  );

  test('the reference objective changes the update, so its equivalence test can fail', () => {
    const data = gaussian(FIVE_STEPS);
    const [, mode] = MODES[5] as (typeof MODES)[number];
    const run: RunSpec = { ...runSpec(data, 2, 0.01, mode), model: 'mlp', optimizer: 'sgd' };
    const reference = mlpCpuAfterOneEpoch({ ...run, objective: 'reference' }, data);
    expect(maxArrayDifference(reference, mlpCpuAfterOneEpoch(run, data))).toBeGreaterThan(1e-3);
  });

  test.each(MODES.slice(1))(
    '%s: clean and robust evaluation in mlp-cpu and in tfjs agree on the same weights',
    (_, mode, dataset) => {
      const data = dataset();
      const d = data.featureShape[0] as number;
      const run: RunSpec = { ...runSpec(data, 2, 0.05, mode), model: 'mlp', optimizer: 'sgd' };
      const trained = mlpCpuAfterOneEpoch(run, data);
      // Back to mlp-cpu's layout: the hidden weight transposed to rows of the kernels' stride.
      const stride = Math.ceil(d / 8) * 8;
      const hidden = trained[0] as Float32Array;
      const transposed = new Float32Array(200 * stride);
      for (let j = 0; j < d; j++)
        for (let h = 0; h < 200; h++) transposed[h * stride + j] = hidden[j * 200 + h] as number;
      const parameters = [transposed, ...trained.slice(1)];
      const logits = (x: tf.Tensor2D) =>
        tf.tidy(() => {
          const [w1, b1, w2, b2] = trained as [Float32Array, Float32Array, Float32Array, Float32Array];
          const h = tf.relu(tf.add(tf.matMul(x, tf.tensor2d(w1, [d, 200])), tf.tensor1d(b1)));
          return tf.add(tf.matMul(h, tf.tensor2d(w2, [200, 2])), tf.tensor1d(b2)) as tf.Tensor2D;
        });
      const split = data.splits.testBalanced;
      const cleanTfjs = evaluateSplit(logits, split, d);
      const spec = trainingAttack(mode) as AttackSpec;
      const random = () => Random.stream(2, TrainingStream.evaluation);
      const attacks = [spec, evaluationPgd(spec.norm, spec.eps)].map((attackSpec) => ({
        attackSpec,
        tfjs: evaluateRobust(logits, split, d, attackSpec, {
          clipToUnitBox: data.pixelRange,
          random: random(),
        }),
      }));
      for (const products of BACKENDS) {
        const backend = productsBackend(products);
        const ws = mlpCpuWorkspace(data, products);
        const clean = evaluateMlp(parameters, ws, 'testBalanced');
        expect(Math.abs(clean.loss - cleanTfjs.loss) / cleanTfjs.loss, backend).toBeLessThan(1e-5);
        expect(clean.correct, backend).toEqual(cleanTfjs.correct);
        for (const { attackSpec, tfjs } of attacks) {
          const cpu = evaluateRobustMlp(parameters, ws, 'testBalanced', attackSpec, random());
          // Same weights, same draws: float32 rounding can flip an exact sign of a near-zero input-gradient
          // coordinate, moving a sample near the boundary; 1 sample per class and 1e-4 relative loss bound that.
          expect(Math.abs(cpu.loss - tfjs.loss) / tfjs.loss, backend).toBeLessThan(1e-4);
          for (const label of [0, 1] as const)
            expect(Math.abs(cpu.correct[label] - tfjs.correct[label]), backend).toBeLessThanOrEqual(1);
          // The attack must matter, or agreeing on it would show nothing.
          expect(tfjs.loss).toBeGreaterThan(clean.loss * 1.05);
        }
      }
    },
  );
});
