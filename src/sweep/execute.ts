import { isAvailable } from '../datasets/load.js';
import { AdgapError } from '../errors.js';
import type { JobFailure, Runner } from '../runners/runner.js';
import type { ObjectStore } from '../store/object-store.js';
import { assertLinearCpuRuns } from '../train/engines/linear-cpu/engine.js';
import type { JobEvent } from '../train/job.js';
import { expandRuns } from './expand.js';
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
 * Stores the sweep and its plan (or finds them from an earlier, interrupted attempt), then runs every job
 * that still has a run without a result. Returns the sweep id and the jobs that failed as a whole.
 */
export async function executeSweep(
  store: ObjectStore,
  sweep: SweepFile,
  runner: Runner,
  progress: SweepProgress,
): Promise<{ sweepId: string; jobFailures: JobFailure[] }> {
  const sweepId = idOf(sweep);
  const runs = expandRuns(sweep);
  const unavailable = runs.find((r) => !isAvailable(r.dataset));
  if (unavailable)
    throw new AdgapError(`dataset group '${unavailable.dataset.group}' cannot be prepared by this build`);
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
