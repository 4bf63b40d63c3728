/**
 * The training modes adgap knows, in one place: the norms, attack methods, objectives and fidelities a run can
 * name (const arrays, from which every schema, enum and pattern is derived), the shape of a mode, and one
 * descriptor per kind of mode (MODE_KINDS) that owns what a mode is asked: its id, its cost, what it needs.
 */

/** The threat models: the l-infinity and l2 balls (protocol.md). */
export const NORMS = ['linf', 'l2'] as const;
export type Norm = (typeof NORMS)[number];

/**
 * How an adversarial example is found. `one-step`: FGSM for linf, FGM for l2 (protocol.md). `pgd`: `steps`
 * steps of `stepSize` from a random start in the eps-ball, projected back onto the ball after every step.
 */
export type AttackMethod = { name: 'one-step' } | { name: 'pgd'; steps: number; stepSize: number };
export const ATTACK_METHODS = ['one-step', 'pgd'] as const satisfies readonly AttackMethod['name'][];

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

/** The attack an adversarial mode trains against; undefined for standard training. */
export function trainingAttack(mode: TrainingMode): AttackSpec | undefined {
  return mode.kind === 'standard' ? undefined : { norm: mode.norm, eps: mode.eps, method: mode.method };
}

/** An adversarial mode. */
export type AdversarialMode = Extract<TrainingMode, { kind: 'adversarial' }>;

/**
 * One kind of training mode (standard training, or adversarial training with one attack method) and what
 * everything that asks a mode about itself gets from it. A new kind is a descriptor and a line of MODE_KINDS.
 */
export interface ModeKind<Mode extends TrainingMode = TrainingMode> {
  /** `standard`, or the attack method's name: the `attack` of bench/rates.json's rates. */
  readonly name: string;
  describes(mode: TrainingMode): mode is Mode;
  /** The mode's stable, readable id (modeId): unique within a sweep, safe in a run id. */
  id(mode: Mode): string;
  /** Gradient passes a training sample takes per step: what an epoch costs relative to a standard one. */
  gradientPasses(mode: Mode): number;
  /**
   * Whether its training step attacks the batch: then the objective matters (the reference one leaks the
   * attack's gradients into the step) and robust metrics are measured.
   */
  readonly adversarial: boolean;
}

/** The id of an adversarial mode: norm and radius (or `auto<factor>`), then its method's own suffix. */
const adversarialId = (mode: AdversarialMode, suffix = '') =>
  `${mode.norm}-${mode.auto ? `auto${mode.auto.factor}` : mode.eps}${suffix}`;

export const STANDARD: ModeKind<{ kind: 'standard' }> = {
  name: 'standard',
  describes: (mode): mode is { kind: 'standard' } => mode.kind === 'standard',
  id: () => 'standard',
  gradientPasses: () => 1,
  adversarial: false,
};

/** FGSM (linf) or FGM (l2): the attack's gradient, then the update's. */
export const ONE_STEP: ModeKind<AdversarialMode> = {
  name: 'one-step',
  describes: (mode): mode is AdversarialMode =>
    mode.kind === 'adversarial' && mode.method.name === 'one-step',
  id: (mode) => adversarialId(mode),
  gradientPasses: () => 2,
  adversarial: true,
};

type PgdMode = AdversarialMode & { method: { name: 'pgd'; steps: number; stepSize: number } };

/** PGD: `steps` attack gradients, then the update's; its id names the steps (`linf-0.0305-pgd40`). */
export const PGD: ModeKind<PgdMode> = {
  name: 'pgd',
  describes: (mode): mode is PgdMode => mode.kind === 'adversarial' && mode.method.name === 'pgd',
  id: (mode) => adversarialId(mode, `-pgd${mode.method.steps}`),
  gradientPasses: (mode) => mode.method.steps + 1,
  adversarial: true,
};

/** Every kind of training mode, one line each. */
export const MODE_KINDS: readonly ModeKind[] = [STANDARD, ONE_STEP, PGD];
