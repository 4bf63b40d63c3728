import { featureCount, type LoadedDataset } from '../../datasets/types.js';
import { Random, TrainingStream } from '../../random.js';
import { type Logits, oneStepAttack } from '../attacks.js';
import { epochBatches } from '../batches.js';
import { initialEarlyStopping, observeEpoch } from '../early-stopping.js';
import type { Engine, TrainedRun } from '../engine.js';
import { evaluateSplit } from '../evaluate.js';
import { initLinear } from '../init.js';
import type { RunSpec } from '../run-spec.js';
import { crossEntropy, type TfBackend, tf, useFastestBackend } from '../tf.js';

export async function createTfjsEngine(forcedBackend?: TfBackend): Promise<Engine> {
  const backend = await useFastestBackend(forcedBackend);
  return {
    name: 'tfjs',
    backend,
    async train(runs, data, onOutcome, signal) {
      for (const run of runs) {
        if (signal?.aborted) return;
        const started = performance.now();
        let trained: TrainedRun | undefined;
        try {
          trained = await trainRun(run, data, signal);
        } catch (error) {
          await onOutcome({ run, error: error instanceof Error ? error : new Error(String(error)) });
          continue;
        }
        if (trained === undefined) return;
        await onOutcome({ run, trained, wallSeconds: (performance.now() - started) / 1000 });
      }
    },
  };
}

/** One run, one model at a time. Returns undefined when `signal` aborted it. */
export async function trainRun(
  run: RunSpec,
  data: LoadedDataset,
  signal?: AbortSignal,
): Promise<TrainedRun | undefined> {
  const d = featureCount(data.featureShape);
  const train = data.splits.train;
  const init = initLinear(d, 2, Random.stream(run.seed, TrainingStream.init));
  const batchRandom = Random.stream(run.seed, TrainingStream.batches);

  const weight = tf.variable(tf.tensor2d(init.weight, [d, 2]));
  const bias = tf.variable(tf.tensor1d(init.bias));
  const trainX = tf.tensor2d(train.x, [train.count, d]);
  const trainY = tf.tensor1d(Int32Array.from(train.y), 'int32');
  // PyTorch's Adam defaults (eps 1e-8; tfjs would otherwise use 1e-7).
  const optimizer = tf.train.adam(run.learningRate, 0.9, 0.999, 1e-8);
  const model: Logits = (x) => tf.add(tf.matMul(x, weight), bias);
  const mode = run.mode;

  try {
    let best = { weight: init.weight, bias: init.bias };
    let stopping = initialEarlyStopping;
    let epochsRun = 0;
    for (let epoch = 1; epoch <= run.maxEpochs; epoch++) {
      for (const batch of epochBatches(train.count, run.batchSize, batchRandom)) {
        tf.tidy(() => {
          const indices = tf.tensor1d(Int32Array.from(batch), 'int32');
          const x = tf.gather(trainX, indices) as tf.Tensor2D;
          const y = tf.gather(trainY, indices) as tf.Tensor1D;
          const input =
            mode.kind === 'standard'
              ? x
              : oneStepAttack(model, x, y, {
                  norm: mode.norm,
                  eps: mode.eps,
                  clipToUnitBox: data.pixelRange,
                });
          optimizer.minimize(() => crossEntropy(model(input), y), false, [weight, bias]);
        });
      }
      epochsRun = epoch;
      const validationLoss = evaluateSplit(model, data.splits.validation, d).loss;
      const observed = observeEpoch(stopping, epoch, validationLoss, run.patience);
      stopping = observed.state;
      if (observed.improved)
        best = { weight: Float32Array.from(weight.dataSync()), bias: Float32Array.from(bias.dataSync()) };
      // Yield once an epoch so signals (SIGTERM on a Spot reclaim) are handled between epochs.
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) return undefined;
      if (observed.stop) break;
    }
    weight.assign(tf.tensor2d(best.weight, [d, 2]));
    bias.assign(tf.tensor1d(best.bias));
    return {
      epochsRun,
      bestEpoch: stopping.bestEpoch,
      metrics: {
        validation: evaluateSplit(model, data.splits.validation, d),
        testImbalanced: evaluateSplit(model, data.splits.testImbalanced, d),
        testBalanced: evaluateSplit(model, data.splits.testBalanced, d),
      },
    };
  } finally {
    optimizer.dispose();
    tf.dispose([weight, bias, trainX, trainY]);
  }
}
