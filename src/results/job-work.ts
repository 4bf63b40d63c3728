import type { ObjectStore } from '../store/object-store.js';
import type { Job } from '../sweep/plan.js';
import { KEPT_MODELS } from '../train/kept-weights.js';
import { evaluationUnsupported } from '../train/robustness/kept-evaluation.js';
import type { RunSpec } from '../train/run-spec.js';
import { evaluatedRuns, wantedEvaluations } from './evaluations.js';
import type { RunResult } from './run-result.js';
import { finishedRunIds, readResultsOf } from './stored-results.js';

/** Which jobs have something left to do, and how much work the sweep has: runs to train, evaluations to compute. */
export interface JobWork {
  pendingJobs: number[];
  total: number;
  done: number;
}

/**
 * What is left of the jobs' runs that `include` accepts. `train`: a run without a result is work (`sweep run`);
 * without it (`adgap evaluate`), only evaluations count, and a job with a run not finished is left to
 * `sweep run`, so that evaluating never trains (`unfinishedJobs` counts them). An evaluation the sweep wants
 * (wantedEvaluations) is work for each run it applies to that keeps its weights: finished with weights, or,
 * with `train`, still to train.
 */
export async function jobWork(
  store: ObjectStore,
  sweepId: string,
  jobs: readonly Job[],
  options: { include: (run: RunSpec) => boolean; train: boolean },
): Promise<JobWork & { unfinishedJobs: number }> {
  const [finished, evaluations] = await Promise.all([
    finishedRunIds(store, sweepId),
    wantedEvaluations(store, sweepId),
  ]);
  // Results are read only to see which kept weights; without evaluations, the listing says enough.
  const { results } =
    evaluations.length > 0
      ? await readResultsOf(store, sweepId, finished)
      : { results: new Map<string, RunResult>() };
  const recorded = await evaluatedRuns(store, sweepId, evaluations);
  const work = { pendingJobs: [] as number[], total: 0, done: 0, unfinishedJobs: 0 };
  for (const job of jobs) {
    const runs = job.runs.filter(options.include);
    if (!options.train && runs.some((r) => !finished.has(r.runId))) {
      if (runs.length > 0) work.unfinishedJobs += 1;
      continue;
    }
    let pending = false;
    const count = (done: boolean) => {
      work.total += 1;
      if (done) work.done += 1;
      else pending = true;
    };
    for (const run of runs) {
      if (options.train) count(finished.has(run.runId));
      const result = results.get(run.runId);
      const keepsWeights = finished.has(run.runId)
        ? result?.weights !== undefined
        : KEPT_MODELS.includes(run.model);
      for (const evaluation of evaluations) {
        if (keepsWeights && !evaluationUnsupported(run, evaluation))
          count(recorded.get(evaluation)?.has(run.runId) ?? false);
      }
    }
    if (pending) work.pendingJobs.push(job.index);
  }
  return work;
}
