import type { DatasetRef } from '../datasets/types.js';
import { type Fidelity, MODE_KINDS, type ModeKind, type Objective, type TrainingMode } from './modes.js';

export const MODEL_NAMES = ['linear', 'mlp', 'vgg11'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** `sgd-momentum` is PyTorch's SGD with momentum 0.9, no dampening, no Nesterov (optimizers.ts). */
export const OPTIMIZER_NAMES = ['adam', 'sgd', 'sgd-momentum'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/** Everything that defines one training run; a result records it whole. */
export interface RunSpec {
  /** Unique within a sweep and safe as a store key segment. */
  runId: string;
  dataset: DatasetRef;
  model: ModelName;
  optimizer: OptimizerName;
  objective: Objective;
  fidelity: Fidelity;
  learningRate: number;
  seed: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  mode: TrainingMode;
}

/** The descriptor of `mode`'s kind (modes.ts's MODE_KINDS). */
export function modeKindOf(mode: TrainingMode): ModeKind {
  const kind = MODE_KINDS.find((k) => k.describes(mode));
  if (!kind) throw new Error(`no kind of training mode describes ${JSON.stringify(mode)}`);
  return kind;
}

/**
 * Gradient passes a training sample takes per step (its kind's): 1 standard, 2 one-step (the attack's gradient
 * and the update's), steps + 1 for PGD. What a mode's epoch costs relative to a standard one, for plans and
 * wall time.
 */
export function gradientPassesPerSample(mode: TrainingMode): number {
  return modeKindOf(mode).gradientPasses(mode);
}

/**
 * The part of a run id that tells fidelities apart: empty for adgap's (so sweeps stored before fidelity existed
 * keep their ids), `-reference` otherwise.
 */
export function fidelitySuffix(fidelity: Fidelity): string {
  return fidelity === 'adgap' ? '' : `-${fidelity}`;
}

/**
 * A stable, readable id of a training mode: `standard`, `linf-0.5`, `l2-2.5` (one-step), `linf-auto0.75`,
 * `linf-0.0305-pgd40`.
 * Two modes of one sweep must not share an id (expandRuns checks).
 */
export function modeId(mode: TrainingMode): string {
  return modeKindOf(mode).id(mode);
}
