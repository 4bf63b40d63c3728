import type { Split } from '../../datasets/types.js';
import { ValidationError } from '../../errors.js';
import type { LinearWeights } from '../init.js';
import { KEPT_MODELS, linearLayers, type ModelWeights, mlpLayers } from '../kept-weights.js';
import type { RunSpec } from '../run-spec.js';
import { APGD_CE, apgdEvaluation } from './apgd.js';
import type { Ball, RobustnessEvaluation } from './evaluation.js';
import { exactLinearEvaluation } from './exact-linear.js';
import { linearClassifier } from './linear-classifier.js';
import { mlpClassifier } from './mlp-classifier.js';
import { seededStarts } from './random-start.js';

/**
 * The robust evaluations a sweep can ask for: `pgd`, the evaluation PGD every adversarial result has
 * (finalMetrics), and the two computed from a run's kept weights, `exact` (linear models, exact-linear.ts) and
 * `apgd` (APGD-CE, apgd.ts).
 */
export const ROBUST_EVALUATIONS = ['pgd', 'exact', 'apgd'] as const;
export type RobustEvaluationName = (typeof ROBUST_EVALUATIONS)[number];

/** The evaluations computed from kept weights, after training (stored as evaluation records). */
export const KEPT_WEIGHT_EVALUATIONS = ['exact', 'apgd'] as const satisfies readonly RobustEvaluationName[];
export type KeptWeightEvaluation = (typeof KEPT_WEIGHT_EVALUATIONS)[number];

export const isKeptWeightEvaluation = (name: string): name is KeptWeightEvaluation =>
  (KEPT_WEIGHT_EVALUATIONS as readonly string[]).includes(name);

/** Why `evaluation` cannot apply to `run`, or undefined when it can. */
export function evaluationUnsupported(run: RunSpec, evaluation: KeptWeightEvaluation): string | undefined {
  if (run.mode.kind === 'standard') return 'a standard run has no radius to attack at';
  if (evaluation === 'exact' && run.model !== 'linear')
    return `exact robust accuracy is known for linear models only, not ${run.model} (use apgd)`;
  if (!KEPT_MODELS.includes(run.model)) return `${run.model} weights are not kept`;
  return undefined;
}

/**
 * Refuses an evaluation that applies to none of `runs`, with the first run's reason: asking for exact
 * robust accuracy of MLPs, or for any evaluation of a sweep of standard runs, is a mistake worth a message.
 */
export function assertEvaluationApplies(runs: readonly RunSpec[], evaluation: KeptWeightEvaluation): void {
  if (runs.some((run) => !evaluationUnsupported(run, evaluation))) return;
  const reasons = [...new Set(runs.map((run) => evaluationUnsupported(run, evaluation)))];
  throw new ValidationError(
    'evaluation',
    `${evaluation} applies to no run of this sweep: ${reasons.join('; ')}`,
  );
}

/** The ball a run's evaluation attacks in: its training radius, clipped to [0,1] for pixel data (protocol.md). */
export function runBall(run: RunSpec, clipToUnitBox: boolean): Ball {
  if (run.mode.kind === 'standard') throw new Error(`${run.runId}: a standard run has no ball`);
  return { norm: run.mode.norm, eps: run.mode.eps, clipToUnitBox };
}

export interface KeptWeightsInput {
  run: RunSpec;
  weights: ModelWeights;
  /** The balanced test set. */
  split: Split;
  clipToUnitBox: boolean;
}

/**
 * `evaluation` of a run from its kept weights on the balanced test set; APGD's starts are seeded by the run's
 * seed (seededStarts), so an evaluation computed twice is the same.
 */
export function evaluateKeptWeights(
  evaluation: KeptWeightEvaluation,
  { run, weights, split, clipToUnitBox }: KeptWeightsInput,
): RobustnessEvaluation {
  const unsupported = evaluationUnsupported(run, evaluation);
  if (unsupported) throw new Error(`${run.runId}: ${evaluation} does not apply: ${unsupported}`);
  const ball = runBall(run, clipToUnitBox);
  if (run.model === 'mlp') {
    const start = seededStarts(run.seed, ball);
    return apgdEvaluation(mlpClassifier(mlpLayers(weights)), split, {
      ball,
      restarts: APGD_CE.restarts,
      start,
    });
  }
  const [linear] = linearLayers(weights) as [LinearWeights];
  if (evaluation === 'exact') return exactLinearEvaluation(linear, split, ball);
  const start = seededStarts(run.seed, ball);
  return apgdEvaluation(linearClassifier(linear), split, { ball, restarts: APGD_CE.restarts, start });
}
