import { featureCount, type LoadedDataset, type Split } from '../../../datasets/types.js';
import { layerWidths } from '../../cell-schedule.js';
import type { ModelEvaluation } from '../../evaluation.js';
import type { AttackSpec } from '../../modes.js';
import type { SplitMetrics } from '../../result.js';
import type { RunSpec } from '../../run-spec.js';
import { LossMean } from '../../validation-loss.js';
import { type AttackContext, attack } from './attacks.js';
import { crossEntropy, tf } from './tf.js';

/** A model in evaluation mode: features in, logits out. */
export type Logits = (x: tf.Tensor2D) => tf.Tensor2D;

/** Small enough that a VGG11 chunk's activations and PGD's backward passes fit in memory. */
const EVALUATION_CHUNK = 256;

/**
 * Mean clean cross-entropy and per-class correct counts of a model on a split (ties go to class 0). With
 * `lossBatchSize`, the loss is the mean of per-batch means (the reference's validation loss, validation-loss.ts).
 */
export function evaluateSplit(
  logits: Logits,
  split: Split,
  featureCount: number,
  lossBatchSize?: number,
): SplitMetrics {
  return evaluateChunks(logits, split, featureCount, (x) => x, lossBatchSize);
}

/**
 * The same metrics on adversarial examples: each chunk is attacked with `spec` (against the model in
 * evaluation mode) and the loss and per-class correct counts are those of the attacked samples.
 */
export function evaluateRobust(
  logits: Logits,
  split: Split,
  featureCount: number,
  spec: AttackSpec,
  context: AttackContext,
): SplitMetrics {
  return evaluateChunks(logits, split, featureCount, (x, y) =>
    attack(
      x,
      spec,
      (input) => tf.grad((v: tf.Tensor) => crossEntropy(logits(v as tf.Tensor2D), y))(input) as tf.Tensor2D,
      context,
    ),
  );
}

function evaluateChunks(
  logits: Logits,
  split: Split,
  featureCount: number,
  inputs: (x: tf.Tensor2D, y: tf.Tensor1D) => tf.Tensor2D,
  lossBatchSize?: number,
): SplitMetrics {
  const loss = new LossMean(lossBatchSize);
  const correct: [number, number] = [0, 0];
  const total: [number, number] = [0, 0];
  for (let start = 0; start < split.count; start += EVALUATION_CHUNK) {
    const end = Math.min(start + EVALUATION_CHUNK, split.count);
    const labels = split.y.subarray(start, end);
    const [losses, predictions] = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(start * featureCount, end * featureCount), [
        end - start,
        featureCount,
      ]);
      const y = tf.tensor1d(Int32Array.from(labels), 'int32');
      const output = logits(inputs(x, y));
      const perSample = tf.neg(tf.sum(tf.mul(tf.logSoftmax(output), tf.oneHot(y, output.shape[1])), 1));
      return [perSample.dataSync(), tf.argMax(output, 1).dataSync()];
    });
    for (let i = 0; i < labels.length; i++) {
      loss.add(losses[i] as number);
      const label = labels[i] as 0 | 1;
      total[label] += 1;
      if (predictions[i] === label) correct[label] += 1;
    }
  }
  return { loss: loss.mean(), correct, total };
}

/**
 * A tfjs model's evaluation (evaluation.ts) on `data`'s splits; `parameters` is called only where the weights
 * are kept, so an epoch's evaluation copies none.
 */
export function tfjsEvaluation(
  logits: Logits,
  data: LoadedDataset,
  parameters: () => readonly Float32Array[],
): ModelEvaluation {
  const d = featureCount(data.featureShape);
  return {
    parameters,
    clean: (split, lossBatchSize) => evaluateSplit(logits, data.splits[split], d, lossBatchSize),
    attacked: (split, spec, random) =>
      evaluateRobust(logits, data.splits[split], d, spec, { clipToUnitBox: data.pixelRange, random }),
  };
}

/**
 * `use` applied to the evaluation of one stackable model (cell-schedule.ts) from its weights in models.ts's
 * order and layout, as a stacked cell hands them over: how tfjs's stacked cell and the cuda engine both
 * evaluate a finished run, so both report its metrics by the same code.
 */
export function withStackedModel<T>(
  run: RunSpec,
  data: LoadedDataset,
  parameters: readonly Float32Array[],
  use: (model: ModelEvaluation) => T,
): T {
  const widths = layerWidths(run, featureCount(data.featureShape));
  const layers = widths.length - 1;
  const weights = parameters.map((values, k) => {
    const layer = Math.floor(k / 2);
    return tf.tensor2d(values, [k % 2 === 0 ? (widths[layer] as number) : 1, widths[layer + 1] as number]);
  });
  try {
    const logits: Logits = (x) => {
      let h = x;
      for (let layer = 0; layer < layers; layer++) {
        h = tf.add(tf.matMul(h, weights[2 * layer] as tf.Tensor2D), weights[2 * layer + 1] as tf.Tensor2D);
        if (layer < layers - 1) h = tf.relu(h);
      }
      return h;
    };
    return use(tfjsEvaluation(logits, data, () => parameters));
  } finally {
    tf.dispose(weights);
  }
}
