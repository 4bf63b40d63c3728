import { ValidationError } from '../errors.js';
import type { EvaluationRecord } from '../results/evaluations.js';
import type { RunResult } from '../results/run-result.js';
import { classAccuracy, type SplitMetrics } from '../train/result.js';
import {
  KEPT_WEIGHT_EVALUATIONS,
  type KeptWeightEvaluation,
  ROBUST_EVALUATIONS,
  type RobustEvaluationName,
} from '../train/robustness/kept-evaluation.js';
import { robustAccuracyDisparity } from './disparity.js';
import { type MeanStderr, meanStderr } from './statistics.js';

/**
 * The robust evaluations a report can show beside each other (`--evaluation pgd,exact,apgd`): evaluation PGD is
 * in every result, exact and APGD in the evaluation records computed from kept weights (results/evaluations.ts).
 */
export const REPORT_EVALUATIONS = ROBUST_EVALUATIONS;

/** The records of each evaluation a report was asked for, by run id. */
export type EvaluationRecords = ReadonlyMap<KeptWeightEvaluation, ReadonlyMap<string, EvaluationRecord>>;

/**
 * One row's figures under one evaluation beyond PGD, over the seeds whose selected run has its record: robust
 * AD, its difference from robust AD under evaluation PGD (paired by seed: how far the paper's attack-based
 * figure is from this one), per-class robust accuracy and the worst class's.
 */
export interface EvaluatedFigures {
  robustAd: MeanStderr | null;
  robustAdMinusPgd: MeanStderr | null;
  robustAccuracy: [MeanStderr | null, MeanStderr | null];
  worstClassRobustAccuracy: MeanStderr | null;
}

/** A row's figures for each evaluation beyond PGD that the report was asked for. */
export type RowEvaluations = Partial<Record<KeptWeightEvaluation, EvaluatedFigures>>;

/** The evaluation list of `--evaluation` and the API's `?evaluation=`: comma-separated, each one once. */
export function parseEvaluations(text: string): RobustEvaluationName[] {
  const names = text.split(',').map((name) => name.trim());
  for (const name of names) {
    if (!(REPORT_EVALUATIONS as readonly string[]).includes(name))
      throw new ValidationError(
        'evaluation',
        `'${name}' is not an evaluation (allowed: ${REPORT_EVALUATIONS.join(', ')}, comma-separated)`,
      );
  }
  return [...new Set(names)] as RobustEvaluationName[];
}

/** The evaluations beyond PGD among those asked for. */
export function keptWeightEvaluations(asked: readonly RobustEvaluationName[]): KeptWeightEvaluation[] {
  return KEPT_WEIGHT_EVALUATIONS.filter((e) => asked.includes(e));
}

/** The figures of a row's selected runs (one per seed) under each evaluation in `records`. */
export function rowEvaluations(selected: readonly RunResult[], records: EvaluationRecords): RowEvaluations {
  const figures: RowEvaluations = {};
  for (const [evaluation, byRun] of records) {
    const evaluated = selected.flatMap((result) => {
      const record = byRun.get(result.run.runId);
      return record ? [{ result, robust: record.result.testBalanced }] : [];
    });
    const over = (value: (r: (typeof evaluated)[number]) => number | undefined) =>
      meanStderr(evaluated.flatMap((r) => (value(r) === undefined ? [] : [value(r) as number])));
    figures[evaluation] = {
      robustAd: over(({ robust }) => disparity(robust)),
      robustAdMinusPgd: over(({ result, robust }) => {
        const pgd = robustAccuracyDisparity(result, 'pgd');
        return pgd === undefined ? undefined : disparity(robust) - pgd;
      }),
      robustAccuracy: [
        over(({ robust }) => classAccuracy(robust, 0)),
        over(({ robust }) => classAccuracy(robust, 1)),
      ],
      worstClassRobustAccuracy: over(({ robust }) =>
        Math.min(classAccuracy(robust, 0), classAccuracy(robust, 1)),
      ),
    };
  }
  return figures;
}

const disparity = (m: SplitMetrics) => classAccuracy(m, 0) - classAccuracy(m, 1);
