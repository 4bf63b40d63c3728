import { featureCount, type LoadedDataset } from '../datasets/types.js';
import { Random, TrainingStream } from '../random.js';
import type { AttackContext } from './attacks.js';
import { evaluateRobust, type Logits } from './evaluate.js';
import { evaluationPgd } from './protocol.js';
import type { RobustEvaluation, RunMetrics } from './result.js';
import type { AttackSpec } from './run-spec.js';

/**
 * The balanced test set under the training attack and under evaluation PGD (protocol.ts) at the same norm
 * and radius. Their random starts come from the evaluation stream; when training already used that PGD, one
 * evaluation serves both. Every engine measures robustness here, so robust metrics mean the same whatever
 * trained the weights.
 */
export function robustMetrics(
  logits: Logits,
  data: LoadedDataset,
  trainingSpec: AttackSpec,
  seed: number,
): NonNullable<RunMetrics['robust']> {
  const d = featureCount(data.featureShape);
  const context: AttackContext = {
    clipToUnitBox: data.pixelRange,
    random: Random.stream(seed, TrainingStream.evaluation),
  };
  const evaluate = (spec: AttackSpec): RobustEvaluation => ({
    attack: spec,
    testBalanced: evaluateRobust(logits, data.splits.testBalanced, d, spec, context),
  });
  const trainingAttackResult = evaluate(trainingSpec);
  const pgdSpec = evaluationPgd(trainingSpec.norm, trainingSpec.eps);
  const samePgd = JSON.stringify(pgdSpec) === JSON.stringify(trainingSpec);
  return { trainingAttack: trainingAttackResult, pgd: samePgd ? trainingAttackResult : evaluate(pgdSpec) };
}
