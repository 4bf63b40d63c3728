import { type DatasetGroup, featureShapeOf } from '../datasets/types.js';
import type { AttackMethod, AttackSpec, Norm } from './modes.js';
import type { ModelName, OptimizerName } from './run-spec.js';

/**
 * The reference's training facts that every engine shares (protocol.md; PyTorch defaults where the reference
 * relies on them). Engines read them from here rather than restating them.
 */

/**
 * PGD defaults (protocol.md, the reference's advertorch calls): linf 40 steps of eps/30 (it writes
 * eps/40*4/3), l2 50 steps of eps/20 (eps/50*2.5).
 */
export const PGD_DEFAULTS: Record<Norm, { steps: number; stepDivisor: number }> = {
  linf: { steps: 40, stepDivisor: 30 },
  l2: { steps: 50, stepDivisor: 20 },
};

export function pgdMethod(norm: Norm, eps: number, steps?: number, stepDivisor?: number): AttackMethod {
  const defaults = PGD_DEFAULTS[norm];
  return {
    name: 'pgd',
    steps: steps ?? defaults.steps,
    stepSize: eps / (stepDivisor ?? defaults.stepDivisor),
  };
}

/**
 * Robust evaluation's PGD: the protocol's step counts with steps of eps/10 (adgap's choice). The training
 * steps are too short to be a reliable measure: 40 steps of eps/30 travel 1.33 eps, less than the 2 eps a
 * linf coordinate may need from its random start, and 50 l2 steps of eps/20 turn a start on the sphere
 * towards the worst direction only slowly, so on a linear model they stay measurably below FGSM/FGM. With
 * eps/10 both reach the closed-form worst case of a linear model (test/train/engines/tfjs/attacks.test.ts).
 */
export const EVALUATION_PGD_STEP_DIVISOR = 10;

/** The PGD attack robust evaluation always measures, whatever the run trained against. */
export function evaluationPgd(norm: Norm, eps: number): AttackSpec {
  return { norm, eps, method: pgdMethod(norm, eps, undefined, EVALUATION_PGD_STEP_DIVISOR) };
}

/** VGG11 (the paper's appendix model) convolves 3x32x32 images. */
export const VGG11_INPUT_SHAPE = [3, 32, 32] as const;

/** Whether a group's samples are images VGG11 takes: of adgap's groups, CIFAR-10's. */
export function vgg11Takes(group: DatasetGroup): boolean {
  const shape = featureShapeOf({ group });
  return shape.length === VGG11_INPUT_SHAPE.length && VGG11_INPUT_SHAPE.every((n, i) => shape[i] === n);
}

/** Per-dataset defaults of the reference (protocol.md: models and optimisers; CIFAR trains against PGD). */
export interface DatasetDefaults {
  model: ModelName;
  optimizer: OptimizerName;
  attack: AttackMethod['name'];
}

export const DATASET_DEFAULTS: Record<DatasetGroup, DatasetDefaults> = {
  gaussian: { model: 'linear', optimizer: 'adam', attack: 'one-step' },
  cauchy: { model: 'linear', optimizer: 'adam', attack: 'one-step' },
  holtsmark: { model: 'linear', optimizer: 'adam', attack: 'one-step' },
  mnist: { model: 'linear', optimizer: 'sgd', attack: 'one-step' },
  fmnist: { model: 'linear', optimizer: 'sgd', attack: 'one-step' },
  cifar10: { model: 'mlp', optimizer: 'sgd-momentum', attack: 'pgd' },
};

/**
 * advertorch's normalize_by_pnorm(small_constant=1e-6): l2 attacks of reference fidelity divide the gradient by
 * max(||g||_2, this), so gradients shorter than it give steps shorter than eps (docs/protocol-notes.md).
 */
export const ADVERTORCH_SMALL_NORM = 1e-6;

/** torch.optim.Adam's defaults (optimizers.ts implements it; tfjs's own Adam defaults to epsilon 1e-7). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;
/** The reference's CIFAR optimiser: torch.optim.SGD(momentum=0.9), no dampening, no Nesterov. */
export const SGD_MOMENTUM = 0.9;

/** PyTorch's BatchNorm2d defaults: running = (1 - momentum) * running + momentum * batch statistic. */
export const BATCH_NORM = { momentum: 0.1, epsilon: 1e-5 } as const;

/** MLP hidden width (the reference's CifarLR: Linear(d, 200), ReLU, Linear(200, 2)). */
export const MLP_HIDDEN = 200;
