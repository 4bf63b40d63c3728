import { Random, TrainingStream } from '../random.js';
import { evaluationPgd } from './protocol.js';
import type { RobustEvaluation, RunMetrics, SplitMetrics } from './result.js';
import type { AttackSpec } from './run-spec.js';

/** An engine's robust evaluation of the balanced test set under `spec`, PGD's random starts drawn from `random`. */
export type EvaluateAttacked = (spec: AttackSpec, random: Random) => SplitMetrics;

/**
 * The balanced test set under the training attack and under evaluation PGD (protocol.ts) at the same norm and
 * radius, for every engine alike. Their random starts come from the run's evaluation stream, in that order;
 * when training already used that PGD, one evaluation serves both.
 */
export function robustMetrics(
  trainingSpec: AttackSpec,
  seed: number,
  evaluateAttacked: EvaluateAttacked,
): NonNullable<RunMetrics['robust']> {
  const random = Random.stream(seed, TrainingStream.evaluation);
  const evaluate = (spec: AttackSpec): RobustEvaluation => ({
    attack: spec,
    testBalanced: evaluateAttacked(spec, random),
  });
  const trainingAttackResult = evaluate(trainingSpec);
  const pgdSpec = evaluationPgd(trainingSpec.norm, trainingSpec.eps);
  const samePgd = JSON.stringify(pgdSpec) === JSON.stringify(trainingSpec);
  return { trainingAttack: trainingAttackResult, pgd: samePgd ? trainingAttackResult : evaluate(pgdSpec) };
}
