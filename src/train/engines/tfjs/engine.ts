import { featureCount, type LoadedDataset } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import { epochBatches } from '../../batches.js';
import { stackable, stackableGroups, trainCell } from '../../cell-schedule.js';
import { initialEarlyStopping, observeEpoch } from '../../early-stopping.js';
import type { Engine, TrainedRun } from '../../engine.js';
import type { RunMetrics } from '../../result.js';
import { robustMetrics } from '../../robust.js';
import { type Objective, type RunSpec, type TrainingMode, trainingAttack } from '../../run-spec.js';
import { SharedWallTime } from '../../run-timing.js';
import { validationLossBatches } from '../../validation-loss.js';
import { type AttackContext, attack, type InputGradient } from '../tfjs-shared/attacks.js';
import { evaluateRobust, evaluateSplit, type Logits } from '../tfjs-shared/evaluate.js';
import {
  crossEntropy,
  referenceCrossEntropy,
  type TfBackend,
  tf,
  useFastestBackend,
} from '../tfjs-shared/tf.js';
import { createModel, disposeModel, type Model, modelState, restoreModelState } from './models.js';
import { createOptimizer } from './optimizers.js';
import { StackedCell } from './stacked-cell.js';

/**
 * The `tfjs` engine: every model, optimiser, attack and objective, on any tfjs backend. Runs that a stacked
 * cell trains exactly (stackable, stacked-cell.ts) train together as one program per cell; every other run
 * trains alone through trainRun, the general path.
 */
export async function createTfjsEngine(forcedBackend?: TfBackend): Promise<Engine> {
  const backend = await useFastestBackend(forcedBackend);
  return {
    name: 'tfjs',
    backend,
    async train(runs, data, onOutcome, signal) {
      for (const group of stackableGroups(runs.filter(stackable))) {
        if (signal?.aborted) return;
        await trainCell(group, () => new StackedCell(group, data), onOutcome, signal);
      }
      for (const run of runs.filter((r) => !stackable(r))) {
        if (signal?.aborted) return;
        const clock = new SharedWallTime(1);
        let trained: TrainedRun | undefined;
        try {
          trained = await trainRun(run, data, signal);
        } catch (error) {
          await onOutcome({ run, error: error instanceof Error ? error : new Error(String(error)) });
          continue;
        }
        if (trained === undefined) return;
        clock.charge([0]);
        await onOutcome({ run, trained, ...clock.seconds(0) });
      }
    },
  };
}

/**
 * One optimiser step on a batch. Attacks see the model in eval mode (batch norm on running statistics, no
 * update); the update's forward runs in train mode. With the `reference` objective every gradient the attack
 * takes also yields the parameter gradient of the same loss, and their sum is added to the update's gradient:
 * the reference zeroes gradients before attacking, so its attack's backward passes accumulate into the step.
 */
export function trainStep(
  model: Model,
  optimizer: tf.Optimizer,
  x: tf.Tensor2D,
  y: tf.Tensor1D,
  mode: TrainingMode,
  objective: Objective,
  context: AttackContext,
): void {
  const spec = trainingAttack(mode);
  const parameters = [...model.parameters];
  const leaked: tf.Tensor[] | undefined =
    spec && objective === 'reference' ? parameters.map((p) => tf.zerosLike(p)) : undefined;
  // Reference fidelity differentiates as PyTorch's float32 autograd does, so its linf attack takes that sign.
  const loss = context.fidelity === 'reference' ? referenceCrossEntropy : crossEntropy;
  try {
    tf.tidy(() => {
      const evalLoss = (input: tf.Tensor) => loss(model.logits(input as tf.Tensor2D, 'eval'), y);
      const gradient: InputGradient = (input) => {
        if (!leaked) return tf.grad(evalLoss)(input) as tf.Tensor2D;
        const [inputGradient, ...parameterGradients] = tf.grads((v: tf.Tensor) => evalLoss(v))([
          input,
          ...parameters,
        ]);
        parameterGradients.forEach((g, i) => {
          const sum = tf.keep(tf.add(leaked[i] as tf.Tensor, g));
          (leaked[i] as tf.Tensor).dispose();
          leaked[i] = sum;
        });
        return inputGradient as tf.Tensor2D;
      };
      const input = spec ? attack(x, spec, gradient, context) : x;
      const { grads } = tf.variableGrads(() => loss(model.logits(input, 'train'), y), parameters);
      const update: tf.NamedTensorMap = {};
      parameters.forEach((p, i) => {
        const g = grads[p.name] as tf.Tensor;
        update[p.name] = leaked ? tf.add(g, leaked[i] as tf.Tensor) : g;
      });
      optimizer.applyGradients(update);
    });
  } finally {
    if (leaked) tf.dispose(leaked);
  }
}

/** One run, one model at a time. Returns undefined when `signal` aborted it. */
export async function trainRun(
  run: RunSpec,
  data: LoadedDataset,
  signal?: AbortSignal,
): Promise<TrainedRun | undefined> {
  const d = featureCount(data.featureShape);
  const train = data.splits.train;
  const model = createModel(run.model, data.featureShape, Random.stream(run.seed, TrainingStream.init));
  const batchRandom = Random.stream(run.seed, TrainingStream.batches);
  const context: AttackContext = {
    clipToUnitBox: data.pixelRange,
    random: Random.stream(run.seed, TrainingStream.attack),
    fidelity: run.fidelity,
  };
  const trainX = tf.tensor2d(train.x, [train.count, d]);
  const trainY = tf.tensor1d(Int32Array.from(train.y), 'int32');
  const optimizer = createOptimizer(run.optimizer, run.learningRate);
  const logits: Logits = (x) => model.logits(x, 'eval');
  const lossBatches = validationLossBatches(run);

  try {
    let best = modelState(model);
    let stopping = initialEarlyStopping;
    let epochsRun = 0;
    for (let epoch = 1; epoch <= run.maxEpochs; epoch++) {
      for (const batch of epochBatches(train.count, run.batchSize, batchRandom)) {
        tf.tidy(() => {
          const indices = tf.tensor1d(Int32Array.from(batch), 'int32');
          const x = tf.gather(trainX, indices) as tf.Tensor2D;
          const y = tf.gather(trainY, indices) as tf.Tensor1D;
          trainStep(model, optimizer, x, y, run.mode, run.objective, context);
        });
      }
      epochsRun = epoch;
      const validationLoss = evaluateSplit(logits, data.splits.validation, d, lossBatches).loss;
      const observed = observeEpoch(stopping, epoch, validationLoss, run.patience);
      stopping = observed.state;
      if (observed.improved) best = modelState(model);
      // Yield once an epoch so signals (SIGTERM on a Spot reclaim) are handled between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) return undefined;
      if (observed.stop) break;
    }
    restoreModelState(model, best);
    const metrics: RunMetrics = {
      validation: evaluateSplit(logits, data.splits.validation, d, lossBatches),
      testImbalanced: evaluateSplit(logits, data.splits.testImbalanced, d),
      testBalanced: evaluateSplit(logits, data.splits.testBalanced, d),
    };
    const spec = trainingAttack(run.mode);
    if (spec)
      metrics.robust = robustMetrics(spec, run.seed, (attackSpec, random) =>
        evaluateRobust(logits, data.splits.testBalanced, d, attackSpec, {
          clipToUnitBox: data.pixelRange,
          random,
        }),
      );
    return { epochsRun, bestEpoch: stopping.bestEpoch, metrics };
  } finally {
    optimizer.dispose();
    disposeModel(model);
    tf.dispose([trainX, trainY]);
  }
}
