import type { Split } from '../datasets/types.js';
import type { Logits } from './attacks.js';
import type { SplitMetrics } from './result.js';
import { crossEntropy, tf } from './tf.js';

const EVALUATION_CHUNK = 4096;

/** Mean clean cross-entropy and per-class correct counts of a model on a split (ties go to class 0). */
export function evaluateSplit(model: Logits, split: Split, featureCount: number): SplitMetrics {
  let lossSum = 0;
  const correct: [number, number] = [0, 0];
  const total: [number, number] = [0, 0];
  for (let start = 0; start < split.count; start += EVALUATION_CHUNK) {
    const end = Math.min(start + EVALUATION_CHUNK, split.count);
    const labels = split.y.subarray(start, end);
    const [chunkLoss, predictions] = tf.tidy(() => {
      const x = tf.tensor2d(split.x.subarray(start * featureCount, end * featureCount), [
        end - start,
        featureCount,
      ]);
      const y = tf.tensor1d(Int32Array.from(labels), 'int32');
      const logits = model(x);
      return [crossEntropy(logits, y).dataSync()[0] as number, tf.argMax(logits, 1).dataSync()];
    });
    lossSum += chunkLoss * (end - start);
    for (let i = 0; i < labels.length; i++) {
      const label = labels[i] as 0 | 1;
      total[label] += 1;
      if (predictions[i] === label) correct[label] += 1;
    }
  }
  return { loss: lossSum / split.count, correct, total };
}
