import type { AttackSpec } from './modes.js';

/** Per split: mean cross-entropy and per-class counts, index 0 = majority, 1 = minority. */
export interface SplitMetrics {
  loss: number;
  correct: [number, number];
  total: [number, number];
}

/** Metrics of the attacked balanced test set, with the attack that produced them. */
export interface RobustEvaluation {
  attack: AttackSpec;
  testBalanced: SplitMetrics;
}

/**
 * A checkpoint other than the restored one (best clean validation loss), evaluated clean when the run reached
 * it, so a report can select by another rule (src/report/selection.ts): robust validation loss, or the last epoch.
 */
export interface CheckpointMetrics {
  epoch: number;
  /** Mean cross-entropy on the validation split attacked with the training attack (adversarial runs). */
  robustValidationLoss?: number;
  validation: SplitMetrics;
  testImbalanced: SplitMetrics;
  testBalanced: SplitMetrics;
}

/** The checkpoints a run records besides its restored one. */
export interface Checkpoints {
  /** Adversarial runs: the epoch (1 on) with the lowest robust validation loss; ties keep the earlier. */
  robustValidation?: CheckpointMetrics;
  /** The weights the run stopped with. */
  lastEpoch: CheckpointMetrics;
}

export interface RunMetrics {
  validation: SplitMetrics;
  testImbalanced: SplitMetrics;
  testBalanced: SplitMetrics;
  /**
   * Adversarial runs only (a standard run has no radius to attack at): the balanced test set under the
   * training attack and under evaluation PGD at the same norm and radius (evaluationPgd, protocol.ts).
   */
  robust?: { trainingAttack: RobustEvaluation; pgd: RobustEvaluation };
  /** The metrics the fairness-in-robustness literature compares, derived from the counts (classMetrics). */
  perClass?: ClassMetrics;
}

/**
 * Per-class figures of the balanced test set, index 0 = majority, 1 = minority, as FRL (Xu et al. 2021), CFA,
 * WAT and DAFA report them: clean accuracy, robust accuracy under evaluation PGD, boundary error = clean minus
 * robust accuracy, and the worst class's clean and robust accuracy. Standard runs have no robust figures.
 */
export interface ClassMetrics {
  cleanAccuracy: [number, number];
  worstClassCleanAccuracy: number;
  robustAccuracy?: [number, number];
  worstClassRobustAccuracy?: number;
  boundaryError?: [number, number];
}

/** ClassMetrics from a run's per-class counts. */
export function classMetrics(metrics: RunMetrics): ClassMetrics {
  if (metrics.robust) return robustClassMetrics(metrics.testBalanced, metrics.robust.pgd.testBalanced);
  const clean = perClassAccuracy(metrics.testBalanced);
  return { cleanAccuracy: clean, worstClassCleanAccuracy: Math.min(...clean) };
}

/** ClassMetrics of a balanced test set, clean and under one robust evaluation (PGD, exact, APGD). */
export function robustClassMetrics(clean: SplitMetrics, robust: SplitMetrics): Required<ClassMetrics> {
  const cleanAccuracy = perClassAccuracy(clean);
  const robustAccuracy = perClassAccuracy(robust);
  return {
    cleanAccuracy,
    worstClassCleanAccuracy: Math.min(...cleanAccuracy),
    robustAccuracy,
    worstClassRobustAccuracy: Math.min(...robustAccuracy),
    boundaryError: [cleanAccuracy[0] - robustAccuracy[0], cleanAccuracy[1] - robustAccuracy[1]],
  };
}

const perClassAccuracy = (m: SplitMetrics): [number, number] => [classAccuracy(m, 0), classAccuracy(m, 1)];

export function accuracy(m: SplitMetrics): number {
  return (m.correct[0] + m.correct[1]) / (m.total[0] + m.total[1]);
}

export function classAccuracy(m: SplitMetrics, label: 0 | 1): number {
  return m.correct[label] / m.total[label];
}
