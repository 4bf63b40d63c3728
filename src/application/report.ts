import { keptWeightEvaluations } from '../report/evaluation-figures.js';
import { buildReport, REPORT_VERSION, type Report } from '../report/report.js';
import { DEFAULT_SELECTION, SELECTION_RULES, type SelectionRule } from '../report/selection.js';
import { readEvaluations } from '../results/evaluations.js';
import { cachedReport as cached } from '../results/report-cache.js';
import { readSweepRuns } from '../results/stored-results.js';
import type { ObjectStore } from '../store/object-store.js';
import type { RobustEvaluationName } from '../train/robustness/kept-evaluation.js';

/**
 * The report of a sweep as the store holds it now (finished or not), under the given checkpoint-selection rules
 * (default the paper's): `adgap report` and `sweep run`; with `evaluations`, the rows carry their figures under
 * each (`--evaluation`, the records read from the store).
 */
export async function reportFromStore(
  store: ObjectStore,
  sweepId: string,
  options: { selections?: readonly SelectionRule[]; evaluations?: readonly RobustEvaluationName[] } = {},
): Promise<Report> {
  const { selections = [DEFAULT_SELECTION], evaluations = [] } = options;
  const beyondPgd = keptWeightEvaluations(evaluations);
  const [runs, records] = await Promise.all([
    readSweepRuns(store, sweepId),
    Promise.all(beyondPgd.map(async (e) => [e, await readEvaluations(store, sweepId, e)] as const)),
  ]);
  return buildReport(
    beyondPgd.length > 0 ? { ...runs, evaluationRecords: new Map(records) } : runs,
    selections,
  );
}

/**
 * The same report, cached in the store and rebuilt only when a result or a failure arrives (the API, which
 * answers many requests for one sweep). The cache holds every rule; a request keeps the rows of its own.
 */
export async function cachedReport(
  store: ObjectStore,
  sweepId: string,
  selections: readonly SelectionRule[] = [DEFAULT_SELECTION],
): Promise<Report> {
  const all = await cached(store, sweepId, {
    version: REPORT_VERSION,
    build: (runs) => buildReport(runs, SELECTION_RULES),
  });
  const rows = selections.flatMap((rule) => all.rows.filter((r) => r.selection === rule));
  return { ...all, rows };
}
