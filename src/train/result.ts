import type { AttackSpec, RunSpec } from './run-spec.js';

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
}

export const ENGINE_NAMES = ['tfjs', 'linear-cpu', 'mlp-cpu'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** The result document of one finished run (schemas/run-result.schema.json). */
export interface RunResult {
  /** 2: RunSpec has `objective` and the attack method of its mode; metrics may have `robust`. */
  schemaVersion: 2;
  sweepId: string;
  run: RunSpec;
  engine: EngineName;
  backend: string;
  epochsRun: number;
  bestEpoch: number;
  wallSeconds: number;
  metrics: RunMetrics;
  finishedAt: string;
}

export function accuracy(m: SplitMetrics): number {
  return (m.correct[0] + m.correct[1]) / (m.total[0] + m.total[1]);
}

export function classAccuracy(m: SplitMetrics, label: 0 | 1): number {
  return m.correct[label] / m.total[label];
}
