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
  const perClass = (m: SplitMetrics): [number, number] => [classAccuracy(m, 0), classAccuracy(m, 1)];
  const clean = perClass(metrics.testBalanced);
  const out: ClassMetrics = { cleanAccuracy: clean, worstClassCleanAccuracy: Math.min(...clean) };
  if (metrics.robust) {
    const robust = perClass(metrics.robust.pgd.testBalanced);
    out.robustAccuracy = robust;
    out.worstClassRobustAccuracy = Math.min(...robust);
    out.boundaryError = [clean[0] - robust[0], clean[1] - robust[1]];
  }
  return out;
}

export function accuracy(m: SplitMetrics): number {
  return (m.correct[0] + m.correct[1]) / (m.total[0] + m.total[1]);
}

export function classAccuracy(m: SplitMetrics, label: 0 | 1): number {
  return m.correct[label] / m.total[label];
}
