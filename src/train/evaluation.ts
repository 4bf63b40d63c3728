import type { SplitName } from '../datasets/types.js';
import { Random, TrainingStream } from '../random.js';
import { type AttackSpec, trainingAttack } from './modes.js';
import { evaluationPgd } from './protocol.js';
import type { CheckpointMetrics, RobustEvaluation, RunMetrics, SplitMetrics } from './result.js';
import type { RunSpec } from './run-spec.js';
import { validationLossBatches } from './validation-loss.js';

/** The splits a model is evaluated on (training is not). */
export type EvaluatedSplit = Exclude<SplitName, 'train'>;

/** An engine's evaluation of one model's weights, in its own kernels. */
export interface ModelEvaluation {
  /**
   * Mean clean cross-entropy and per-class correct counts on a split (ties go to class 0); with
   * `lossBatchSize`, the loss is the mean of per-batch means (validation-loss.ts).
   */
  clean(split: EvaluatedSplit, lossBatchSize?: number): SplitMetrics;
  /** The same on the split's samples attacked with `spec` against the model, PGD's random starts from `random`. */
  attacked(split: EvaluatedSplit, spec: AttackSpec, random: Random): SplitMetrics;
  /** The evaluated weights, every parameter in models.ts's order and layout (kept-weights.ts keeps them). */
  parameters(): readonly Float32Array[];
}

/**
 * A run's metrics from its model (the best-validation weights, restored), for every engine alike: clean loss and
 * counts on validation (with the run's validation loss), imbalanced and balanced test; for adversarial runs, the
 * balanced test set under the training attack and under evaluation PGD (protocol.ts) at the same norm and
 * radius, their random starts from the run's evaluation stream in that order (when training already used that
 * PGD, one evaluation serves both).
 */
export function finalMetrics(run: RunSpec, model: ModelEvaluation): RunMetrics {
  const metrics: RunMetrics = {
    validation: model.clean('validation', validationLossBatches(run)),
    testImbalanced: model.clean('testImbalanced'),
    testBalanced: model.clean('testBalanced'),
  };
  const trainingSpec = trainingAttack(run.mode);
  if (!trainingSpec) return metrics;
  const random = Random.stream(run.seed, TrainingStream.evaluation);
  const evaluate = (spec: AttackSpec): RobustEvaluation => ({
    attack: spec,
    testBalanced: model.attacked('testBalanced', spec, random),
  });
  const trainingAttackResult = evaluate(trainingSpec);
  const pgdSpec = evaluationPgd(trainingSpec.norm, trainingSpec.eps);
  const samePgd = JSON.stringify(pgdSpec) === JSON.stringify(trainingSpec);
  metrics.robust = {
    trainingAttack: trainingAttackResult,
    pgd: samePgd ? trainingAttackResult : evaluate(pgdSpec),
  };
  return metrics;
}

/**
 * The validation split's mean cross-entropy under the run's training attack (PGD's random starts from the run's
 * evaluation stream, afresh at every call, so each epoch is attacked alike); undefined for standard runs.
 */
export function robustValidationLoss(run: RunSpec, model: ModelEvaluation): number | undefined {
  const spec = trainingAttack(run.mode);
  if (!spec) return undefined;
  return model.attacked('validation', spec, Random.stream(run.seed, TrainingStream.evaluation)).loss;
}

/** A checkpoint's clean metrics (the splits the gaps are computed from), for the other selection rules. */
export function checkpointMetrics(
  run: RunSpec,
  model: ModelEvaluation,
  epoch: number,
  robustLoss?: number,
): CheckpointMetrics {
  return {
    epoch,
    ...(robustLoss === undefined ? {} : { robustValidationLoss: robustLoss }),
    validation: model.clean('validation', validationLossBatches(run)),
    testImbalanced: model.clean('testImbalanced'),
    testBalanced: model.clean('testBalanced'),
  };
}
