import { featureCount, type LoadedDataset } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import { cellBatchStreams, epochSteps, layerWidths, stackedInitialParameters } from '../../cell-schedule.js';
import type { EpochCell } from '../../epoch-driver.js';
import type { ModelEvaluation } from '../../evaluation.js';
import { trainingAttack } from '../../modes.js';
import { SGD_MOMENTUM } from '../../protocol.js';
import type { RunSpec } from '../../run-spec.js';
import { attack, type InputGradient } from '../tfjs-shared/attacks.js';
import { withStackedModel } from '../tfjs-shared/evaluate.js';
import { crossEntropySum, tf } from '../tfjs-shared/tf.js';
import { adamDirection } from './optimizers.js';

/**
 * PGD's random start for the cell's [M * size, d] batch, model-major: each model's rows are drawn from that
 * model's own attack stream, in the order attacks.ts's randomStart draws one run's batch.
 */
function modelMajorDraws(
  streams: readonly Random[],
  valuesPerModel: number,
): Pick<Random, 'uniform' | 'normal'> {
  let drawn = 0;
  const next = () => streams[Math.floor(drawn++ / valuesPerModel) % streams.length] as Random;
  return { uniform: () => next().uniform(), normal: () => next().normal() };
}

/**
 * M models of one architecture trained in lockstep, each layer's weight [M, in, out] and bias [M, 1, out]. On
 * a GPU the cost of a step is its kernel launches, not its arithmetic: one stacked program of M models launches
 * about as many kernels a step as one model alone. Each model keeps its own seed's initial weights, batch order
 * and attack stream, its learning rate and its early stopping; a stopped model's updates are masked to zero, so
 * it stops changing, and its best weights are kept on the device. Only for runs that `stackable` accepts,
 * grouped by `stackableGroups`.
 */
export class StackedCell implements EpochCell {
  private readonly d: number;
  private readonly trainX: tf.Tensor2D;
  private readonly trainY: tf.Tensor1D;
  private readonly validationX: tf.Tensor2D;
  private readonly validationY: tf.Tensor1D;
  /** Weight and bias of every layer, in PyTorch's parameters() order. */
  private readonly parameters: tf.Variable[];
  private readonly best: tf.Variable[];
  /** Adam: first moments of every parameter, then second moments. Momentum: the velocities. */
  private readonly slots: tf.Variable[];
  private readonly learningRates: tf.Tensor3D;
  private readonly active: tf.Variable<tf.Rank.R3>;
  private readonly batchStreams: Map<number, Random>;
  private readonly attackStreams: Random[];
  /** 1 for the models still training: the optimiser's updates are multiplied by it. */
  private readonly stillTraining: Float32Array;
  private steps = 0;

  constructor(
    private readonly runs: readonly RunSpec[],
    private readonly data: LoadedDataset,
  ) {
    const d = featureCount(data.featureShape);
    this.d = d;
    const M = runs.length;
    const first = runs[0] as RunSpec;
    const widths = layerWidths(first, d);
    this.parameters = stackedInitialParameters(runs, widths).map((values, k) => {
      const layer = Math.floor(k / 2);
      const rows = k % 2 === 0 ? (widths[layer] as number) : 1;
      return tf.variable(tf.tensor3d(values, [M, rows, widths[layer + 1] as number]));
    });
    this.best = this.parameters.map((p) => tf.variable(p.clone()));
    const slotCount = first.optimizer === 'adam' ? 2 : first.optimizer === 'sgd-momentum' ? 1 : 0;
    this.slots = Array.from({ length: slotCount }, () => this.parameters).flatMap((ps) =>
      ps.map((p) => tf.variable(tf.zerosLike(p))),
    );
    const train = data.splits.train;
    const validation = data.splits.validation;
    this.trainX = tf.tensor2d(train.x, [train.count, d]);
    this.trainY = tf.tensor1d(Int32Array.from(train.y), 'int32');
    this.validationX = tf.tensor2d(validation.x, [validation.count, d]);
    this.validationY = tf.tensor1d(Int32Array.from(validation.y), 'int32');
    this.learningRates = tf.tensor3d(
      runs.map((r) => r.learningRate),
      [M, 1, 1],
    );
    this.active = tf.variable(tf.ones([M, 1, 1]));
    this.batchStreams = cellBatchStreams(runs);
    this.attackStreams = runs.map((r) => Random.stream(r.seed, TrainingStream.attack));
    this.stillTraining = new Float32Array(M).fill(1);
  }

  /** One epoch of every model; a stopped model's updates are zero. */
  trainEpoch(): void {
    const M = this.runs.length;
    for (const indices of epochSteps(this.runs, this.batchStreams, this.data.splits.train.count)) {
      this.step(indices, indices.length / M);
    }
  }

  /** One optimiser step of every model on its own batch; `indices` holds M batches of `size` sample indexes. */
  private step(indices: Int32Array, size: number): void {
    const M = this.runs.length;
    const spec = trainingAttack((this.runs[0] as RunSpec).mode);
    tf.tidy(() => {
      const flat = tf.tensor1d(indices, 'int32');
      const x = tf.gather(this.trainX, flat) as tf.Tensor2D;
      const y = tf.reshape(tf.gather(this.trainY, flat), [M, size]) as tf.Tensor2D;
      const oneHot = tf.oneHot(y, 2) as tf.Tensor3D;
      // The sum over models of each model's mean loss: model m's gradient is that of its own loss.
      const totalLoss = (input: tf.Tensor) =>
        tf.div(crossEntropySum(this.logits(tf.reshape(input, [M, size, this.d])), oneHot), size) as tf.Scalar;
      // The rows of all M batches form one [M * size, d] batch for the shared attack module; each row's input
      // gradient is that of its own model's mean loss, as in the one-run path.
      const gradient: InputGradient = (input) => tf.grad(totalLoss)(input) as tf.Tensor2D;
      const context = {
        clipToUnitBox: this.data.pixelRange,
        random: modelMajorDraws(this.attackStreams, size * this.d),
      };
      const input = spec ? attack(x, spec, gradient, context) : x;
      const { grads } = tf.variableGrads(() => totalLoss(input), this.parameters);
      this.optimizerStep(this.parameters.map((p) => grads[p.name] as tf.Tensor));
    });
  }

  /** Logits [M, n, 2] of inputs [M, n, d] (one batch per model) or [1, n, d] (shared by all models). */
  private logits(x: tf.Tensor3D): tf.Tensor3D {
    let h: tf.Tensor3D = x;
    const layers = this.parameters.length / 2;
    for (let layer = 0; layer < layers; layer++) {
      const weight = this.parameters[2 * layer] as tf.Variable<tf.Rank.R3>;
      const bias = this.parameters[2 * layer + 1] as tf.Variable<tf.Rank.R3>;
      h = tf.add(tf.matMul(h, weight), bias);
      if (layer < layers - 1) h = tf.relu(h);
    }
    return h;
  }

  /**
   * The update rules of optimizers.ts (PyTorch's semantics; Adam through the same adamDirection) with one
   * learning rate per model; stopped models get a zero update.
   */
  private optimizerStep(gradients: tf.Tensor[]): void {
    this.steps += 1;
    const optimizer = (this.runs[0] as RunSpec).optimizer;
    const count = this.parameters.length;
    this.parameters.forEach((variable, k) => {
      const gradient = gradients[k] as tf.Tensor;
      let update: tf.Tensor = gradient;
      if (optimizer === 'adam') {
        const first = this.slots[k] as tf.Variable;
        const second = this.slots[k + count] as tf.Variable;
        update = adamDirection(first, second, gradient, this.steps);
      } else if (optimizer === 'sgd-momentum') {
        const velocity = this.slots[k] as tf.Variable;
        velocity.assign(tf.add(tf.mul(velocity, SGD_MOMENTUM), gradient));
        update = velocity;
      }
      variable.assign(tf.sub(variable, tf.mul(update, tf.mul(this.learningRates, this.active))));
    });
  }

  /** The clean validation loss of every model, in one program. */
  validationLosses(): Float32Array {
    return tf.tidy(() => {
      const n = this.validationX.shape[0];
      const logits = this.logits(tf.expandDims(this.validationX, 0) as tf.Tensor3D);
      const oneHot = tf.expandDims(tf.oneHot(this.validationY, 2), 0);
      return tf
        .div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), [1, 2])), n)
        .dataSync() as Float32Array;
    });
  }

  /** The improved models' weights become their best, on the device; the stopped ones' updates are masked to zero. */
  observe(improved: readonly number[], stopped: readonly number[]): void {
    const M = this.runs.length;
    const improvedMask = new Float32Array(M);
    for (const index of improved) improvedMask[index] = 1;
    for (const index of stopped) this.stillTraining[index] = 0;
    tf.tidy(() => {
      const mask = tf.tensor3d(improvedMask, [M, 1, 1]).greater(0);
      this.best.forEach((best, k) => {
        best.assign(tf.where(mask, this.parameters[k] as tf.Variable, best));
      });
      this.active.assign(tf.tensor3d(this.stillTraining, [M, 1, 1]));
    });
  }

  /** Model `index`'s parameters in models.ts's order and layout (its best ones once it finished). */
  parameterValues(index: number, which: 'current' | 'best' = 'current'): Float32Array[] {
    return (which === 'best' ? this.best : this.parameters).map((p) =>
      tf.tidy(() => tf.gather(p, [index]).dataSync() as Float32Array),
    );
  }

  evaluateCurrent<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return withStackedModel(this.runs[index] as RunSpec, this.data, this.parameterValues(index), use);
  }

  evaluateBest<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return withStackedModel(this.runs[index] as RunSpec, this.data, this.parameterValues(index, 'best'), use);
  }

  dispose(): void {
    tf.dispose([
      this.trainX,
      this.trainY,
      this.validationX,
      this.validationY,
      ...this.parameters,
      ...this.best,
      ...this.slots,
      this.learningRates,
      this.active,
    ]);
  }
}
