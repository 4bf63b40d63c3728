import type { DatasetRef } from '../datasets/types.js';

export type Norm = 'linf' | 'l2';

/**
 * How an adversarial example is found. `one-step`: FGSM for linf, FGM for l2 (protocol.md). `pgd`: `steps`
 * steps of `stepSize` from a random start in the eps-ball, projected back onto the ball after every step.
 */
export type AttackMethod = { name: 'one-step' } | { name: 'pgd'; steps: number; stepSize: number };

/** An attack with its threat model: what training uses and what robust evaluation measures. */
export interface AttackSpec {
  norm: Norm;
  eps: number;
  method: AttackMethod;
}

export type TrainingMode =
  | { kind: 'standard' }
  | ({
      kind: 'adversarial';
      /** Present when the sweep said `eps: auto`: eps = factor x epsMax, epsMax from the dataset's manifest. */
      auto?: { epsMax: number; factor: number };
    } & AttackSpec);

export const MODEL_NAMES = ['linear', 'mlp', 'vgg11'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** `sgd-momentum` is PyTorch's SGD with momentum 0.9, no dampening, no Nesterov (optimizers.ts). */
export const OPTIMIZER_NAMES = ['adam', 'sgd', 'sgd-momentum'] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

/**
 * What an adversarial training step differentiates. `clean`: the loss on the adversarial batch only (adgap's
 * default). `reference`: the reference code's behaviour, where the attack's own backward passes leak into the
 * parameter gradients (docs/protocol-notes.md says exactly what is summed).
 */
export const OBJECTIVES = ['clean', 'reference'] as const;
export type Objective = (typeof OBJECTIVES)[number];

/**
 * How closely a run follows the reference code where adgap computes something more exactly. `adgap` (default):
 * per-sample mean validation loss, FGM steps of exactly eps, the exact sign for FGSM. `reference`: the
 * reference's three quirks (docs/protocol-notes.md, "Fidelity"): validation loss as the mean of per-batch mean
 * losses, advertorch's small-norm rule in l2 attacks, the sign of the float32 autograd gradient in linf ones.
 */
export const FIDELITIES = ['adgap', 'reference'] as const;
export type Fidelity = (typeof FIDELITIES)[number];

/** A sweep without `objective` trains reference-fidelity runs with the reference objective, others clean. */
export function impliedObjective(fidelity: Fidelity): Objective {
  return fidelity === 'reference' ? 'reference' : 'clean';
}

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

/** The attack an adversarial mode trains against; undefined for standard training. */
export function trainingAttack(mode: TrainingMode): AttackSpec | undefined {
  return mode.kind === 'standard' ? undefined : { norm: mode.norm, eps: mode.eps, method: mode.method };
}

/**
 * Gradient passes a training sample takes per step: 1 standard, 2 one-step (the attack's gradient and the
 * update's), steps + 1 for PGD. What a mode's epoch costs relative to a standard one, for plans and wall time.
 */
export function gradientPassesPerSample(mode: TrainingMode): number {
  if (mode.kind === 'standard') return 1;
  return mode.method.name === 'pgd' ? mode.method.steps + 1 : 2;
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
  if (mode.kind === 'standard') return 'standard';
  const method = mode.method.name === 'pgd' ? `-pgd${mode.method.steps}` : '';
  return `${mode.norm}-${mode.auto ? `auto${mode.auto.factor}` : mode.eps}${method}`;
}
