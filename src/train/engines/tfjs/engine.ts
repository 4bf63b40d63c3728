import { featureCount, type LoadedDataset } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import { epochBatches } from '../../batches.js';
import { stackable, stackableGroups } from '../../cell-schedule.js';
import type { Engine } from '../../engine.js';
import { driveEpochs, type EpochCell } from '../../epoch-driver.js';
import type { ModelEvaluation } from '../../evaluation.js';
import { type Objective, type TrainingMode, trainingAttack } from '../../modes.js';
import type { RunSpec } from '../../run-spec.js';
import { validationLossBatches } from '../../validation-loss.js';
import { type AttackContext, attack, type InputGradient } from '../tfjs-shared/attacks.js';
import { evaluateSplit, type Logits, tfjsEvaluation } from '../tfjs-shared/evaluate.js';
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
 * trains alone in a RunCell, the general path; the epoch driver (epoch-driver.ts) trains both.
 */
export async function createTfjsEngine(forcedBackend?: TfBackend): Promise<Engine> {
  const backend = await useFastestBackend(forcedBackend);
  return {
    name: 'tfjs',
    backend,
    async train(runs, data, onOutcome, signal) {
      for (const group of stackableGroups(runs.filter(stackable))) {
        if (signal?.aborted) return;
        await driveEpochs({ runs: group, open: () => new StackedCell(group, data), onOutcome, signal });
      }
      for (const run of runs.filter((r) => !stackable(r))) {
        if (signal?.aborted) return;
        await driveEpochs({ runs: [run], open: () => new RunCell(run, data), onOutcome, signal });
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

/**
 * One run trained alone, one model: tfjs's general path for what no stacked cell trains (VGG11, the reference
 * objective, reference fidelity), as the epoch driver's cell.
 */
export class RunCell implements EpochCell {
  private readonly d: number;
  private readonly model: Model;
  private readonly optimizer: tf.Optimizer;
  private readonly trainX: tf.Tensor2D;
  private readonly trainY: tf.Tensor1D;
  private readonly batchRandom: Random;
  private readonly context: AttackContext;
  private readonly logits: Logits;
  private best: Float32Array[];

  constructor(
    private readonly run: RunSpec,
    private readonly data: LoadedDataset,
  ) {
    this.d = featureCount(data.featureShape);
    const train = data.splits.train;
    this.model = createModel(run.model, data.featureShape, Random.stream(run.seed, TrainingStream.init));
    this.batchRandom = Random.stream(run.seed, TrainingStream.batches);
    this.context = {
      clipToUnitBox: data.pixelRange,
      random: Random.stream(run.seed, TrainingStream.attack),
      fidelity: run.fidelity,
    };
    this.trainX = tf.tensor2d(train.x, [train.count, this.d]);
    this.trainY = tf.tensor1d(Int32Array.from(train.y), 'int32');
    this.optimizer = createOptimizer(run.optimizer, run.learningRate);
    this.logits = (x) => this.model.logits(x, 'eval');
    this.best = modelState(this.model);
  }

  trainEpoch(): void {
    const { run, model, optimizer, context } = this;
    for (const batch of epochBatches(this.data.splits.train.count, run.batchSize, this.batchRandom)) {
      tf.tidy(() => {
        const indices = tf.tensor1d(Int32Array.from(batch), 'int32');
        const x = tf.gather(this.trainX, indices) as tf.Tensor2D;
        const y = tf.gather(this.trainY, indices) as tf.Tensor1D;
        trainStep(model, optimizer, x, y, run.mode, run.objective, context);
      });
    }
  }

  validationLosses(): number[] {
    const lossBatches = validationLossBatches(this.run);
    return [evaluateSplit(this.logits, this.data.splits.validation, this.d, lossBatches).loss];
  }

  observe(improved: readonly number[]): void {
    if (improved.length > 0) this.best = modelState(this.model);
  }

  evaluateCurrent<T>(_index: number, use: (model: ModelEvaluation) => T): T {
    return use(tfjsEvaluation(this.logits, this.data, () => modelState(this.model)));
  }

  /** Restores the best weights into the model (it trains no more) and evaluates it. */
  evaluateBest<T>(_index: number, use: (model: ModelEvaluation) => T): T {
    restoreModelState(this.model, this.best);
    return use(tfjsEvaluation(this.logits, this.data, () => this.best));
  }

  dispose(): void {
    this.optimizer.dispose();
    disposeModel(this.model);
    tf.dispose([this.trainX, this.trainY]);
  }
}
