import type { DatasetRef } from '../datasets/types.js';

export type Norm = 'linf' | 'l2';

export type TrainingMode = { kind: 'standard' } | { kind: 'adversarial'; norm: Norm; eps: number };

export type ModelName = 'linear';
export type OptimizerName = 'adam';

/** Everything that defines one training run; a result records it whole. */
export interface RunSpec {
  /** Unique within a sweep and safe as a store key segment. */
  runId: string;
  dataset: DatasetRef;
  model: ModelName;
  optimizer: OptimizerName;
  learningRate: number;
  seed: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  mode: TrainingMode;
}

/** A stable, readable id of a training mode: `standard`, `linf-0.5`, `l2-2.5`. */
export function modeId(mode: TrainingMode): string {
  return mode.kind === 'standard' ? 'standard' : `${mode.norm}-${mode.eps}`;
}
