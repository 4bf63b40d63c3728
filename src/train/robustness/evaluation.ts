import type { Norm } from '../modes.js';
import { type ClassMetrics, classAccuracy, robustClassMetrics, type SplitMetrics } from '../result.js';

/**
 * The threat model: the lp ball of radius eps around each sample, intersected with the box [0,1]^d for pixel
 * data (protocol.md: pixel data are clipped, synthetic data are not).
 */
export interface Ball {
  norm: Norm;
  eps: number;
  clipToUnitBox: boolean;
}

/**
 * How a robust evaluation beyond the training attack finds each sample's worst case: `exact` computes it
 * (linear models, exact-linear.ts), `apgd-ce` searches for it (apgd.ts) with its iterations and restarts.
 */
export type RobustnessMethod = { name: 'exact' } | { name: 'apgd-ce'; iterations: number; restarts: number };

/**
 * One robust evaluation of the balanced test set, in the shapes RunMetrics gives evaluation PGD: the attacked
 * set's loss and per-class counts (as RobustEvaluation.testBalanced), the per-class figures classMetrics
 * derives from them, and robust AD (robust accuracy of the majority minus that of the minority).
 */
export interface RobustnessEvaluation {
  norm: Norm;
  eps: number;
  method: RobustnessMethod;
  testBalanced: SplitMetrics;
  perClass: Required<ClassMetrics>;
  robustAccuracyDisparity: number;
}

export function robustnessEvaluation(
  ball: Ball,
  method: RobustnessMethod,
  clean: SplitMetrics,
  robust: SplitMetrics,
): RobustnessEvaluation {
  return {
    norm: ball.norm,
    eps: ball.eps,
    method,
    testBalanced: robust,
    perClass: robustClassMetrics(clean, robust),
    robustAccuracyDisparity: classAccuracy(robust, 0) - classAccuracy(robust, 1),
  };
}

/** Per-class counts and the mean loss of a split, sample by sample. */
export class SplitTally {
  private lossSum = 0;
  private readonly correct: [number, number] = [0, 0];
  private readonly total: [number, number] = [0, 0];

  add(label: number, correct: boolean, loss: number): void {
    const y = label as 0 | 1;
    this.total[y] += 1;
    if (correct) this.correct[y] += 1;
    this.lossSum += loss;
  }

  metrics(): SplitMetrics {
    return { loss: this.lossSum / (this.total[0] + this.total[1]), correct: this.correct, total: this.total };
  }
}
