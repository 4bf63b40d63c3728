import { featureCount, type LoadedDataset } from '../../datasets/types.js';
import { Random, TrainingStream } from '../../random.js';
import { oneStepAttack } from '../attacks.js';
import { epochBatches } from '../batches.js';
import { type EarlyStoppingState, initialEarlyStopping, observeEpoch } from '../early-stopping.js';
import type { Engine, TrainedRun } from '../engine.js';
import { evaluateSplit } from '../evaluate.js';
import { initLinear, type LinearWeights } from '../init.js';
import type { RunSpec } from '../run-spec.js';
import { type TfBackend, tf, useFastestBackend } from '../tf.js';

/**
 * The `tfjs` engine. The runs of a cell train as one program: their weights stacked on a leading model axis,
 * so every kernel serves all models. On a GPU the cost of a step is its kernel launches, not its arithmetic:
 * one stacked program of M models launches about as many kernels a step as one model alone.
 */
export async function createTfjsEngine(forcedBackend?: TfBackend): Promise<Engine> {
  const backend = await useFastestBackend(forcedBackend);
  return {
    name: 'tfjs',
    backend,
    async train(runs, data, onOutcome, signal) {
      for (const group of stackableGroups(runs)) {
        if (signal?.aborted) return;
        const started = performance.now();
        let cell: StackedCell | undefined;
        try {
          cell = new StackedCell(group, data);
          while (!cell.done()) {
            const finished = cell.trainEpoch();
            for (const index of finished) {
              const trained = cell.result(index);
              await onOutcome({
                run: group[index] as RunSpec,
                trained,
                wallSeconds: (performance.now() - started) / 1000,
              });
            }
            // Yield once an epoch so signals (SIGTERM on a Spot reclaim) are handled between epochs.
            await new Promise((resolve) => setImmediate(resolve));
            if (signal?.aborted) return;
          }
        } catch (error) {
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const [index, run] of group.entries())
            if (!cell?.isFinished(index)) await onOutcome({ run, error: failure });
        } finally {
          cell?.dispose();
        }
      }
    },
  };
}

/** Runs that can share one stacked program: same training mode and batch size (hence the same batch count). */
function stackableGroups(runs: readonly RunSpec[]): RunSpec[][] {
  const groups = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const key = JSON.stringify([run.mode, run.batchSize]);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  return [...groups.values()];
}

// PyTorch's Adam defaults (eps 1e-8; tfjs's own optimiser would use 1e-7).
const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/**
 * M linear models trained in lockstep: weight [M, d, 2], bias [M, 1, 2]. Each model keeps its own seed's
 * initial weights and batch order, its learning rate and its early stopping; a stopped model's updates are
 * masked to zero, so it stops changing, and its best weights are kept on the device.
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
  private readonly moments: tf.Variable[];
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
    this.moments = [this.weight, this.bias, this.weight, this.bias].map((v) => tf.variable(tf.zerosLike(v)));
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
    const mode = (this.runs[0] as RunSpec).mode;
    tf.tidy(() => {
      const flat = tf.tensor1d(indices, 'int32');
      const x = tf.reshape(tf.gather(this.trainX, flat), [M, size, this.d]) as tf.Tensor3D;
      const y = tf.reshape(tf.gather(this.trainY, flat), [M, size]) as tf.Tensor2D;
      const oneHot = tf.oneHot(y, 2) as tf.Tensor3D;
      // The sum over models of each model's mean loss: model m's gradient is that of its own loss.
      const totalLoss = (input: tf.Tensor3D) =>
        tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(this.logits(input)), oneHot))), size) as tf.Scalar;
      const input =
        mode.kind === 'standard'
          ? x
          : oneStepAttack(totalLoss, x, {
              norm: mode.norm,
              eps: mode.eps,
              clipToUnitBox: this.data.pixelRange,
            });
      const { grads } = tf.variableGrads(() => totalLoss(input), [this.weight, this.bias]);
      this.adamStep([grads[this.weight.name] as tf.Tensor, grads[this.bias.name] as tf.Tensor]);
    });
  }

  private logits(x: tf.Tensor3D): tf.Tensor3D {
    return tf.add(tf.matMul(x, this.weight), this.bias);
  }

  /** Adam (PyTorch's formula) with one learning rate per model; stopped models get a zero update. */
  private adamStep(gradients: [tf.Tensor, tf.Tensor]): void {
    this.steps += 1;
    const correction1 = 1 - ADAM.beta1 ** this.steps;
    const correction2 = 1 - ADAM.beta2 ** this.steps;
    [this.weight, this.bias].forEach((variable, k) => {
      const gradient = gradients[k] as tf.Tensor;
      const first = this.moments[k] as tf.Variable;
      const second = this.moments[k + 2] as tf.Variable;
      first.assign(tf.add(tf.mul(first, ADAM.beta1), tf.mul(gradient, 1 - ADAM.beta1)));
      second.assign(tf.add(tf.mul(second, ADAM.beta2), tf.mul(tf.square(gradient), 1 - ADAM.beta2)));
      const update = tf.div(
        tf.div(first, correction1),
        tf.add(tf.sqrt(tf.div(second, correction2)), ADAM.eps),
      );
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

  /** The metrics of a finished model, with its best-validation weights. */
  result(index: number): TrainedRun {
    const best = this.weights(index, 'best');
    const weight = tf.tensor2d(best.weight, [this.d, 2]);
    const bias = tf.tensor1d(best.bias);
    try {
      const model = (x: tf.Tensor2D) => tf.add(tf.matMul(x, weight), bias) as tf.Tensor2D;
      return {
        epochsRun: this.epochsRun,
        bestEpoch: (this.stopping[index] as EarlyStoppingState).bestEpoch,
        metrics: {
          validation: evaluateSplit(model, this.data.splits.validation, this.d),
          testImbalanced: evaluateSplit(model, this.data.splits.testImbalanced, this.d),
          testBalanced: evaluateSplit(model, this.data.splits.testBalanced, this.d),
        },
      };
    } finally {
      tf.dispose([weight, bias]);
    }
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
      ...this.moments,
      this.learningRates,
      this.active,
    ]);
  }
}
