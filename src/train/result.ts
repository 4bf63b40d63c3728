import type { RunSpec } from './run-spec.js';

/** Per split: mean cross-entropy and per-class counts, index 0 = majority, 1 = minority. */
export interface SplitMetrics {
  loss: number;
  correct: [number, number];
  total: [number, number];
}

export interface RunMetrics {
  validation: SplitMetrics;
  testImbalanced: SplitMetrics;
  testBalanced: SplitMetrics;
}

export const ENGINE_NAMES = ['tfjs', 'linear-cpu'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** The result document of one finished run (schemas/run-result.schema.json). */
export interface RunResult {
  schemaVersion: 1;
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
