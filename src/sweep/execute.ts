import { prepareDatasets } from '../datasets/prepare.js';
import type { JobFailure, Runner } from '../runners/runner.js';
import type { ObjectStore } from '../store/object-store.js';
import { assertLinearCpuRuns } from '../train/engines/linear-cpu/engine.js';
import type { JobEvent } from '../train/job.js';
import { resolveAutoRadii } from './auto-radii.js';
import { datasetRefs, expandRuns } from './expand.js';
import { planJobs, planRuns } from './plan.js';
import type { SweepFile } from './schema.js';
import { finishedRunIds, readPlan, storeSweep } from './stored.js';
import { sweepId as idOf } from './sweep-id.js';

export interface SweepProgress {
  /** Called once the plan is known: how many runs the sweep has and how many were already finished. */
  start(total: number, alreadyFinished: number): void;
  event(event: JobEvent): void;
}

/**
 * Prepares the sweep's missing datasets (once each, before any job starts, so jobs only load them), stores the
 * sweep and its plan (or finds them from an earlier, interrupted attempt), then runs every job that still has
 * a run without a result. Returns the sweep id and the jobs that failed as a whole.
 */
export async function executeSweep(
  store: ObjectStore,
  sweep: SweepFile,
  runner: Runner,
  progress: SweepProgress,
): Promise<{ sweepId: string; jobFailures: JobFailure[] }> {
  const sweepId = idOf(sweep);
  await prepareDatasets(store, datasetRefs(sweep));
  const runs = expandRuns(sweep, await resolveAutoRadii(store, sweep));
  if (sweep.engine === 'linear-cpu') assertLinearCpuRuns(runs);
  const plan = planJobs(sweepId, runs);
  await storeSweep(
    store,
    {
      sweepId,
      name: sweep.name,
      createdAt: new Date().toISOString(),
      definition: sweep,
      runCount: runs.length,
      jobCount: plan.jobs.length,
    },
    plan,
  );
  const stored = await readPlan(store, sweepId);
  const finished = await finishedRunIds(store, sweepId);
  const pendingJobs = stored.jobs
    .filter((job) => job.runs.some((r) => !finished.has(r.runId)))
    .map((j) => j.index);
  const total = planRuns(stored).length;
  progress.start(total, planRuns(stored).filter((r) => finished.has(r.runId)).length);
  const jobFailures = await runner.runJobs({ storeUri: store.uri, sweepId }, pendingJobs, (e) =>
    progress.event(e),
  );
  return { sweepId, jobFailures };
}
