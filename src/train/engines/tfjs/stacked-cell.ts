import { featureCount, type LoadedDataset } from '../../../datasets/types.js';
import { Random, TrainingStream } from '../../../random.js';
import { epochBatches } from '../../batches.js';
import { type EarlyStoppingState, initialEarlyStopping, observeEpoch } from '../../early-stopping.js';
import type { TrainedRun } from '../../engine.js';
import { initLinear, type LinearWeights } from '../../init.js';
import { MLP_HIDDEN, SGD_MOMENTUM } from '../../protocol.js';
import type { RunMetrics } from '../../result.js';
import { robustMetrics } from '../../robust.js';
import { type RunSpec, trainingAttack } from '../../run-spec.js';
import { attack, type InputGradient } from './attacks.js';
import { evaluateRobust, evaluateSplit, type Logits } from './evaluate.js';
import { adamDirection } from './optimizers.js';
import { crossEntropySum, tf } from './tf.js';

/**
 * Whether a stacked cell trains `run` exactly as the one-run path (trainRun in engine.ts) would: the linear model
 * or the MLP, any optimiser and attack, the clean objective, adgap's fidelity (reference fidelity's batch-mean
 * validation loss and PyTorch-like gradients are the one-run path's only). The reference objective is not stacked because its
 * leaked gradients need a parameter backward pass per attack gradient; VGG11 is not, because batch norm's
 * statistics would need a per-model train/eval split of every layer.
 */
export function stackable(run: RunSpec): boolean {
  return (
    (run.model === 'linear' || run.model === 'mlp') &&
    run.fidelity === 'adgap' &&
    (run.mode.kind === 'standard' || run.objective === 'clean')
  );
}

/** Runs that can share one stacked program: same model, mode, optimiser and batch size (so the same batch count). */
export function stackableGroups(runs: readonly RunSpec[]): RunSpec[][] {
  const groups = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const key = JSON.stringify([run.model, run.mode, run.optimizer, run.batchSize]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()];
}

/** The layers of a stackable model as (inputs, outputs), in construction (and init draw) order. */
function layerShapes(run: RunSpec, d: number): [number, number][] {
  return run.model === 'mlp'
    ? [
        [d, MLP_HIDDEN],
        [MLP_HIDDEN, 2],
      ]
    : [[d, 2]];
}

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
export class StackedCell {
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
  private readonly stopping: EarlyStoppingState[];
  private readonly finished: boolean[];
  private epochsRun = 0;
  private steps = 0;

  constructor(
    private readonly runs: readonly RunSpec[],
    private readonly data: LoadedDataset,
  ) {
    const d = featureCount(data.featureShape);
    this.d = d;
    const M = runs.length;
    const first = runs[0] as RunSpec;
    const shapes = layerShapes(first, d);
    // Each run draws its layers from its own init stream, in order, exactly as models.ts does.
    const inits = runs.map((r) => {
      const random = Random.stream(r.seed, TrainingStream.init);
      return shapes.map(([inputs, outputs]) => initLinear(inputs, outputs, random));
    });
    this.parameters = shapes.flatMap(([inputs, outputs], layer) => {
      const weights = new Float32Array(M * inputs * outputs);
      const biases = new Float32Array(M * outputs);
      inits.forEach((init, m) => {
        weights.set((init[layer] as LinearWeights).weight, m * inputs * outputs);
        biases.set((init[layer] as LinearWeights).bias, m * outputs);
      });
      return [
        tf.variable(tf.tensor3d(weights, [M, inputs, outputs])),
        tf.variable(tf.tensor3d(biases, [M, 1, outputs])),
      ];
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
    this.batchStreams = new Map(runs.map((r) => [r.seed, Random.stream(r.seed, TrainingStream.batches)]));
    this.attackStreams = runs.map((r) => Random.stream(r.seed, TrainingStream.attack));
    this.stopping = runs.map(() => initialEarlyStopping);
    this.finished = runs.map(() => false);
  }

  done(): boolean {
    return this.finished.every(Boolean);
  }

  isFinished(index: number): boolean {
    return this.finished[index] === true;
  }

  /** One epoch for every model still training; returns the indexes of the models that finished with it. */
  trainEpoch(): number[] {
    const train = this.data.splits.train;
    const batchSize = (this.runs[0] as RunSpec).batchSize;
    // One permutation per seed: runs that share a seed share their batches (protocol.md).
    const bySeed = new Map(
      [...this.batchStreams].map(([seed, random]) => [seed, epochBatches(train.count, batchSize, random)]),
    );
    const batchCount = Math.ceil(train.count / batchSize);
    for (let b = 0; b < batchCount; b++) {
      const indices = Int32Array.from(this.runs.flatMap((r) => [...(bySeed.get(r.seed)?.[b] ?? [])]));
      this.step(indices, indices.length / this.runs.length);
    }
    this.epochsRun += 1;
    return this.observeValidation();
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

  /** Clean validation loss of every model in one program, then each model's early-stopping rule. */
  private observeValidation(): number[] {
    const M = this.runs.length;
    const losses = tf.tidy(() => {
      const n = this.validationX.shape[0];
      const logits = this.logits(tf.expandDims(this.validationX, 0) as tf.Tensor3D);
      const oneHot = tf.expandDims(tf.oneHot(this.validationY, 2), 0);
      return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), [1, 2])), n).dataSync();
    });
    const improved = new Float32Array(M);
    const finishedNow: number[] = [];
    const stillActive = new Float32Array(M);
    this.runs.forEach((run, m) => {
      if (this.finished[m]) return;
      const observed = observeEpoch(
        this.stopping[m] as EarlyStoppingState,
        this.epochsRun,
        losses[m] as number,
        run.patience,
      );
      this.stopping[m] = observed.state;
      if (observed.improved) improved[m] = 1;
      if (observed.stop || this.epochsRun >= run.maxEpochs) finishedNow.push(m);
      else stillActive[m] = 1;
    });
    tf.tidy(() => {
      const mask = tf.tensor3d(improved, [M, 1, 1]).greater(0);
      this.best.forEach((best, k) => {
        best.assign(tf.where(mask, this.parameters[k] as tf.Variable, best));
      });
      this.active.assign(tf.tensor3d(stillActive, [M, 1, 1]));
    });
    for (const m of finishedNow) this.finished[m] = true;
    return finishedNow;
  }

  /** Model `index`'s parameters in models.ts's order and layout (its best ones once it finished). */
  parameterValues(index: number, which: 'current' | 'best' = 'current'): Float32Array[] {
    return (which === 'best' ? this.best : this.parameters).map((p) =>
      tf.tidy(() => tf.gather(p, [index]).dataSync() as Float32Array),
    );
  }

  /** The metrics of a finished model, with its best-validation weights; robust ones for adversarial runs. */
  result(index: number): TrainedRun {
    const run = this.runs[index] as RunSpec;
    const best = this.best.map((p) => tf.squeeze(tf.gather(p, [index]), [0]) as tf.Tensor2D);
    try {
      const logits: Logits = (x) => {
        let h = x;
        for (let layer = 0; layer < best.length / 2; layer++) {
          h = tf.add(tf.matMul(h, best[2 * layer] as tf.Tensor2D), best[2 * layer + 1] as tf.Tensor2D);
          if (layer < best.length / 2 - 1) h = tf.relu(h);
        }
        return h;
      };
      const metrics: RunMetrics = {
        validation: evaluateSplit(logits, this.data.splits.validation, this.d),
        testImbalanced: evaluateSplit(logits, this.data.splits.testImbalanced, this.d),
        testBalanced: evaluateSplit(logits, this.data.splits.testBalanced, this.d),
      };
      const spec = trainingAttack(run.mode);
      if (spec)
        metrics.robust = robustMetrics(spec, run.seed, (attackSpec, random) =>
          evaluateRobust(logits, this.data.splits.testBalanced, this.d, attackSpec, {
            clipToUnitBox: this.data.pixelRange,
            random,
          }),
        );
      return {
        epochsRun: this.epochsRun,
        bestEpoch: (this.stopping[index] as EarlyStoppingState).bestEpoch,
        metrics,
      };
    } finally {
      tf.dispose(best);
    }
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
