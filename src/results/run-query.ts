import { datasetFamilyId } from '../datasets/family-id.js';
import type { RunResult } from '../results/run-result.js';
import type { ObjectStore } from '../store/object-store.js';
import { planRuns } from '../sweep/plan.js';
import type { Fidelity, Objective } from '../train/modes.js';
import { modeId, type RunSpec } from '../train/run-spec.js';
import { finishedRunIds, readResultsOf } from './stored-results.js';
import { readPlan } from './stored-sweep.js';

export const RUNS_PAGE_SIZE = 100;

/** Which runs to return; an absent field matches every run. */
export interface RunFilter {
  /** A dataset group (`gaussian`) or a report row's dataset id (`gaussian-d0-1a2b3c`). */
  dataset?: string;
  R?: number;
  /** A report row's mode: `standard`, `linf-0.5`, `l2-2.5`. */
  mode?: string;
  objective?: Objective;
  fidelity?: Fidelity;
}

export interface RunsPage {
  runs: RunResult[];
  /** The last run id of this page when more follow; pass it back as `after`. */
  lastRunId?: string;
}

/**
 * One page of the finished runs of a sweep that match a filter, in run-id order after `after`. The filter is
 * applied to the plan, so only the results on the page are read.
 */
export async function runsPage(
  store: ObjectStore,
  sweepId: string,
  filter: RunFilter,
  after?: string,
): Promise<RunsPage> {
  const [plan, finished] = await Promise.all([readPlan(store, sweepId), finishedRunIds(store, sweepId)]);
  const matching = planRuns(plan)
    .filter(
      (run) => finished.has(run.runId) && matches(run, filter) && (after === undefined || run.runId > after),
    )
    .map((run) => run.runId)
    .sort();
  const ids = matching.slice(0, RUNS_PAGE_SIZE);
  // An unreadable result is left out of the page, as the report counts it missing.
  const { results } = await readResultsOf(store, sweepId, ids);
  const runs = ids.flatMap((id) => results.get(id) ?? []);
  const lastRunId = ids.at(-1);
  return matching.length > ids.length && lastRunId !== undefined ? { runs, lastRunId } : { runs };
}

function matches(run: RunSpec, filter: RunFilter): boolean {
  return (
    (filter.dataset === undefined ||
      filter.dataset === run.dataset.group ||
      filter.dataset === datasetFamilyId(run.dataset)) &&
    (filter.R === undefined || filter.R === run.dataset.R) &&
    (filter.mode === undefined || filter.mode === modeId(run.mode)) &&
    (filter.objective === undefined || filter.objective === run.objective) &&
    (filter.fidelity === undefined || filter.fidelity === run.fidelity)
  );
}
