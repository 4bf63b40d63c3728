import type { RunResult } from '../results/run-result.js';
import { accuracy, classAccuracy } from '../train/result.js';

/** Accuracy disparity: accuracy(majority) - accuracy(minority) on the balanced test set. */
export function accuracyDisparity(result: RunResult): number {
  const m = result.metrics.testBalanced;
  return classAccuracy(m, 0) - classAccuracy(m, 1);
}

/**
 * Robust AD: the same difference on the attacked balanced test set, under the training attack or under
 * evaluation PGD; undefined for runs without robust metrics (standard training).
 */
export function robustAccuracyDisparity(
  result: RunResult,
  attack: 'trainingAttack' | 'pgd',
): number | undefined {
  const m = result.metrics.robust?.[attack].testBalanced;
  return m && classAccuracy(m, 0) - classAccuracy(m, 1);
}

/** Gap of AD for one seed: AD(robust) - AD(standard). */
export function adGap(robust: RunResult, standard: RunResult): number {
  return accuracyDisparity(robust) - accuracyDisparity(standard);
}

/** Gap of standard accuracy for one seed: accuracy(standard) - accuracy(robust) on the imbalanced test set. */
export function accuracyGap(robust: RunResult, standard: RunResult): number {
  return accuracy(standard.metrics.testImbalanced) - accuracy(robust.metrics.testImbalanced);
}
