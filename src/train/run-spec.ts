import type { DatasetRef } from '../datasets/types.js';

export type Norm = 'linf' | 'l2';

export type TrainingMode =
  | { kind: 'standard' }
  | {
      kind: 'adversarial';
      norm: Norm;
      eps: number;
      /** Present when the sweep said `eps: auto`: eps = factor x epsMax, epsMax from the dataset's manifest. */
      auto?: { epsMax: number; factor: number };
    };

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

/** A stable, readable id of a training mode: `standard`, `linf-0.5`, `l2-2.5`, `linf-auto0.75`. */
export function modeId(mode: TrainingMode): string {
  if (mode.kind === 'standard') return 'standard';
  return mode.auto ? `${mode.norm}-auto${mode.auto.factor}` : `${mode.norm}-${mode.eps}`;
}
