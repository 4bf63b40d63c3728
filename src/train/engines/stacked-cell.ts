import { featureCount, type LoadedDataset } from '../../datasets/types.js';
import { Random, TrainingStream } from '../../random.js';
import { attack, type InputGradient } from '../attacks.js';
import { epochBatches } from '../batches.js';
import { type EarlyStoppingState, initialEarlyStopping, observeEpoch } from '../early-stopping.js';
import type { TrainedRun } from '../engine.js';
import { evaluateSplit } from '../evaluate.js';
import { initLinear, type LinearWeights } from '../init.js';
import { linearLogits } from '../models.js';
import { ADAM, SGD_MOMENTUM } from '../protocol.js';
import type { RunMetrics } from '../result.js';
import { robustMetrics } from '../robust.js';
import { type RunSpec, trainingAttack } from '../run-spec.js';
import { tf } from '../tf.js';

/**
 * Whether a stacked cell trains `run` exactly as the one-run path (trainRun in tfjs.ts) would: the linear
 * model, any optimiser, standard training or a one-step attack with the clean objective. PGD is not stacked
 * because its random start is drawn per run from the attack stream; the reference objective is not stacked
 * because its leaked gradients need a backward pass per attack gradient.
 */
export function stackable(run: RunSpec): boolean {
  const spec = trainingAttack(run.mode);
  return run.model === 'linear' && (!spec || (spec.method.name === 'one-step' && run.objective === 'clean'));
}

/** Runs that can share one stacked program: same mode, optimiser and batch size (hence the same batch count). */
export function stackableGroups(runs: readonly RunSpec[]): RunSpec[][] {
  const groups = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const key = JSON.stringify([run.mode, run.optimizer, run.batchSize]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()];
}

/**
 * M linear models trained in lockstep: weight [M, d, 2], bias [M, 1, 2]. On a GPU the cost of a step is its
 * kernel launches, not its arithmetic: one stacked program of M models launches about as many kernels a step as
 * one model alone. Each model keeps its own seed's initial weights and batch order, its learning rate and its
 * early stopping; a stopped model's updates are masked to zero, so it stops changing, and its best weights are
 * kept on the device. Only for runs that `stackable` accepts, grouped by `stackableGroups`.
 */
export class StackedCell {
  private readonly d: number;
  private readonly trainX: tf.Tensor2D;
  private readonly trainY: tf.Tensor1D;
  private readonly validationX: tf.Tensor2D;
  private readonly validationY: tf.Tensor1D;
  private readonly weight: tf.Variable<tf.Rank.R3>;
  private readonly bias: tf.Variable<tf.Rank.R3>;
  private readonly bestWeight: tf.Variable<tf.Rank.R3>;
  private readonly bestBias: tf.Variable<tf.Rank.R3>;
  /** Adam: first moments of weight and bias, then second moments. Momentum: the two velocities. */
  private readonly slots: tf.Variable[];
  private readonly learningRates: tf.Tensor3D;
  private readonly active: tf.Variable<tf.Rank.R3>;
  private readonly batchStreams: Map<number, Random>;
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
    const inits = runs.map((r) => initLinear(d, 2, Random.stream(r.seed, TrainingStream.init)));
    const M = runs.length;
    const train = data.splits.train;
    const validation = data.splits.validation;
    this.trainX = tf.tensor2d(train.x, [train.count, d]);
    this.trainY = tf.tensor1d(Int32Array.from(train.y), 'int32');
    this.validationX = tf.tensor2d(validation.x, [validation.count, d]);
    this.validationY = tf.tensor1d(Int32Array.from(validation.y), 'int32');
    const weights = new Float32Array(M * d * 2);
    const biases = new Float32Array(M * 2);
    inits.forEach((init, m) => {
      weights.set(init.weight, m * d * 2);
      biases.set(init.bias, m * 2);
    });
    this.weight = tf.variable(tf.tensor3d(weights, [M, d, 2]));
    this.bias = tf.variable(tf.tensor3d(biases, [M, 1, 2]));
    this.bestWeight = tf.variable(this.weight.clone());
    this.bestBias = tf.variable(this.bias.clone());
    const optimizer = (runs[0] as RunSpec).optimizer;
    const slotOwners =
      optimizer === 'adam'
        ? [this.weight, this.bias, this.weight, this.bias]
        : optimizer === 'sgd-momentum'
          ? [this.weight, this.bias]
          : [];
    this.slots = slotOwners.map((v) => tf.variable(tf.zerosLike(v)));
    this.learningRates = tf.tensor3d(
      runs.map((r) => r.learningRate),
      [M, 1, 1],
    );
    this.active = tf.variable(tf.ones([M, 1, 1]));
    this.batchStreams = new Map(runs.map((r) => [r.seed, Random.stream(r.seed, TrainingStream.batches)]));
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
        tf.div(
          tf.neg(tf.sum(tf.mul(tf.logSoftmax(this.logits(tf.reshape(input, [M, size, this.d]))), oneHot))),
          size,
        ) as tf.Scalar;
      // The rows of all M batches form one [M * size, d] batch for the shared attack module; each row's input
      // gradient is that of its own model's mean loss, as in the one-run path.
      const gradient: InputGradient = (input) => tf.grad(totalLoss)(input) as tf.Tensor2D;
      // One-step attacks draw no randomness (stackable), so this stream is never read.
      const context = { clipToUnitBox: this.data.pixelRange, random: Random.fromSeed(0) };
      const input = spec ? attack(x, spec, gradient, context) : x;
      const { grads } = tf.variableGrads(() => totalLoss(input), [this.weight, this.bias]);
      this.optimizerStep([grads[this.weight.name] as tf.Tensor, grads[this.bias.name] as tf.Tensor]);
    });
  }

  private logits(x: tf.Tensor3D): tf.Tensor3D {
    return tf.add(tf.matMul(x, this.weight), this.bias);
  }

  /**
   * The update rules of optimizers.ts (PyTorch's semantics) with one learning rate per model; stopped models
   * get a zero update.
   */
  private optimizerStep(gradients: [tf.Tensor, tf.Tensor]): void {
    this.steps += 1;
    const optimizer = (this.runs[0] as RunSpec).optimizer;
    [this.weight, this.bias].forEach((variable, k) => {
      const gradient = gradients[k] as tf.Tensor;
      let update: tf.Tensor = gradient;
      if (optimizer === 'adam') {
        const first = this.slots[k] as tf.Variable;
        const second = this.slots[k + 2] as tf.Variable;
        first.assign(tf.add(tf.mul(first, ADAM.beta1), tf.mul(gradient, 1 - ADAM.beta1)));
        second.assign(tf.add(tf.mul(second, ADAM.beta2), tf.mul(tf.square(gradient), 1 - ADAM.beta2)));
        update = tf.div(
          tf.div(first, 1 - ADAM.beta1 ** this.steps),
          tf.add(tf.sqrt(tf.div(second, 1 - ADAM.beta2 ** this.steps)), ADAM.epsilon),
        );
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
      // [n, d] x [d, M * 2]: every model's logits from one matMul over the shared validation inputs.
      const stacked = tf.reshape(tf.transpose(this.weight, [1, 0, 2]), [this.d, M * 2]);
      const logits = tf.add(
        tf.reshape(tf.matMul(this.validationX, stacked), [n, M, 2]),
        tf.reshape(this.bias, [1, M, 2]),
      );
      const oneHot = tf.expandDims(tf.oneHot(this.validationY, 2), 1);
      return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), oneHot), [0, 2])), n).dataSync();
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
      this.bestWeight.assign(tf.where(mask, this.weight, this.bestWeight));
      this.bestBias.assign(tf.where(mask, this.bias, this.bestBias));
      this.active.assign(tf.tensor3d(stillActive, [M, 1, 1]));
    });
    for (const m of finishedNow) this.finished[m] = true;
    return finishedNow;
  }

  /** Model `index`'s weights (its best ones once it finished), in init.ts's layout. */
  weights(index: number, which: 'current' | 'best' = 'current'): LinearWeights {
    const [weight, bias] = which === 'best' ? [this.bestWeight, this.bestBias] : [this.weight, this.bias];
    return {
      weight: tf.tidy(() => tf.slice(weight, [index, 0, 0], [1, this.d, 2]).dataSync() as Float32Array),
      bias: tf.tidy(() => tf.slice(bias, [index, 0, 0], [1, 1, 2]).dataSync() as Float32Array),
      featureCount: this.d,
      classCount: 2,
    };
  }

  /** The metrics of a finished model, with its best-validation weights; robust ones for adversarial runs. */
  result(index: number): TrainedRun {
    const run = this.runs[index] as RunSpec;
    const logits = linearLogits(this.weights(index, 'best'));
    const metrics: RunMetrics = {
      validation: evaluateSplit(logits, this.data.splits.validation, this.d),
      testImbalanced: evaluateSplit(logits, this.data.splits.testImbalanced, this.d),
      testBalanced: evaluateSplit(logits, this.data.splits.testBalanced, this.d),
    };
    const spec = trainingAttack(run.mode);
    if (spec) metrics.robust = robustMetrics(logits, this.data, spec, run.seed);
    return {
      epochsRun: this.epochsRun,
      bestEpoch: (this.stopping[index] as EarlyStoppingState).bestEpoch,
      metrics,
    };
  }

  dispose(): void {
    tf.dispose([
      this.trainX,
      this.trainY,
      this.validationX,
      this.validationY,
      this.weight,
      this.bias,
      this.bestWeight,
      this.bestBias,
      ...this.slots,
      this.learningRates,
      this.active,
    ]);
  }
}
