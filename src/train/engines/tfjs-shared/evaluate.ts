import { featureCount, type LoadedDataset, type Split } from '../../../datasets/types.js';
import { layerWidths } from '../../cell-schedule.js';
import type { RunMetrics, SplitMetrics } from '../../result.js';
import { robustMetrics } from '../../robust.js';
import { type AttackSpec, type RunSpec, trainingAttack } from '../../run-spec.js';
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
 * The metrics of one finished run of a stacked cell (tfjs's or cuda's) from its best weights (models.ts's order and layout, as
 * parameterValues returns them), through the evaluation every engine shares (evaluate.ts, robust.ts).
 */
export function cellRunMetrics(run: RunSpec, data: LoadedDataset, best: readonly Float32Array[]): RunMetrics {
  const d = featureCount(data.featureShape);
  const widths = layerWidths(run, d);
  const layers = widths.length - 1;
  const weights = best.map((values, k) => {
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
    const metrics: RunMetrics = {
      validation: evaluateSplit(logits, data.splits.validation, d),
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
    return metrics;
  } finally {
    tf.dispose(weights);
  }
}
