import { prepareDatasets, type ReadImageSource } from '../datasets/prepare.js';
import type { DatasetGroup } from '../datasets/types.js';
import { ValidationError } from '../errors.js';
import type { JobEvent } from '../jobs/job-event.js';
import { requestEvaluation } from '../results/evaluations.js';
import { jobWork } from '../results/job-work.js';
import { type LeaseOwner, parseLeaseOwner } from '../results/lease-owner.js';
import { breakLease, heldJobs, type Lease, setAsideUnreadableLeases } from '../results/leases.js';
import { readResults, setAsideUnreadable } from '../results/stored-results.js';
import { readPlan, readSweep, storeSweep } from '../results/stored-sweep.js';
import type { Runner, RunnerOutcome } from '../runners/runner.js';
import { unreadablePrefix } from '../store/layout.js';
import type { ObjectStore } from '../store/object-store.js';
import { resolveAutoRadii } from '../sweep/auto-radii.js';
import { datasetRefs, expandRuns } from '../sweep/expand.js';
import { planJobs } from '../sweep/plan.js';
import type { SweepFile } from '../sweep/schema.js';
import { sweepId as idOf } from '../sweep/sweep-id.js';
import { assertEngineTrains } from '../train/engines/capabilities.js';
import { assertEvaluationApplies, isKeptWeightEvaluation } from '../train/robustness/kept-evaluation.js';

export interface SweepProgress {
  /** Called once the plan is known: how many runs the sweep has and how many were already finished. */
  start(total: number, alreadyFinished: number): void;
  event(event: JobEvent): void;
  /** Something the user should know before the jobs start (results set aside, jobs held by another run). */
  notice(message: string): void;
}

/** What `executeSweep` runs, where, and how it reports. */
export interface ExecuteSweepOptions {
  store: ObjectStore;
  sweep: SweepFile;
  runner: Runner;
  progress: SweepProgress;
  /** Reads a published dataset's files (src/sources/) for the datasets the store lacks. */
  readImageSource: ReadImageSource;
  /** Runs per job when the sweep is first planned (default: the runner's). */
  chunkSize?: number;
  /** The dataset groups to prepare and train now (default: all). */
  groups?: ReadonlySet<DatasetGroup>;
  /** Whether a lease's holder is known dead here (a killed process of this machine). */
  isAbandoned?: (owner: LeaseOwner) => boolean;
}

/**
 * Prepares the sweep's missing datasets (once each, before any job starts, so jobs only load them), stores the
 * sweep and its plan (or finds them from an earlier, interrupted attempt), then hands every job that still has
 * a run without a result to the runner. Returns the sweep id and what the runner did.
 *
 * Jobs that another run holds a lease on are left to it; `isAbandoned` and the runner's leaseHolderGone tell
 * which holders are known dead.
 *
 * The first attempt fixes the plan: `chunkSize` (default: the runner's) applies to a sweep not yet stored.
 * Job indexes must mean the same runs for as long as any job may still be running, so an explicit chunk
 * size that differs from the stored plan's is refused rather than silently ignored or applied.
 * `groups`, when given, limits what is prepared and trained now to those dataset groups; the sweep and its plan
 * stay whole, so a later call (on a machine that can train the rest) resumes it.
 */
export async function executeSweep(
  options: ExecuteSweepOptions,
): Promise<{ sweepId: string; outcome: RunnerOutcome }> {
  const {
    store,
    sweep,
    runner,
    progress,
    readImageSource,
    chunkSize,
    groups,
    isAbandoned = () => false,
  } = options;
  const sweepId = idOf(sweep);
  const here = (group: DatasetGroup) => groups === undefined || groups.has(group);
  // Before anything is uploaded: a store that would silently overwrite results is refused up front, and so is
  // what the runner cannot run now (Batch: a store its jobs cannot reach, jobs of this sweep still queued).
  await store.assertWriteOnce();
  await runner.assertReady?.({ store, sweepId });
  await prepareDatasets(
    store,
    datasetRefs(sweep).filter((ref) => here(ref.group)),
    readImageSource,
  );
  const runs = expandRuns(sweep, await resolveAutoRadii(store, sweep, readImageSource));
  assertEngineTrains(sweep.engine, runs);
  const evaluations = (sweep.evaluation ?? []).filter(isKeptWeightEvaluation);
  for (const evaluation of evaluations) assertEvaluationApplies(runs, evaluation);
  const plan = planJobs(sweepId, runs, chunkSize ?? runner.defaultChunkSize);
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
  // Both are read back, so a stored copy that cannot be used is named here, not by every job that reads it.
  const [stored] = await Promise.all([readPlan(store, sweepId), readSweep(store, sweepId)]);
  if (chunkSize !== undefined && stored.chunkSize !== chunkSize) {
    throw new ValidationError(
      'chunkSize',
      `sweep ${sweepId} is already planned with ${stored.chunkSize ?? 'a whole cell'} runs per job, not ${chunkSize}`,
    );
  }
  const { unreadable } = await readResults(store, sweepId, stored);
  if (unreadable.length > 0) {
    await setAsideUnreadable(store, sweepId, unreadable);
    for (const u of unreadable)
      progress.notice(
        `unreadable result ${u.key} (${u.reason}): moved to ${unreadablePrefix(sweepId)}, training the run again`,
      );
  }
  for (const evaluation of evaluations) await requestEvaluation(store, sweepId, evaluation);
  const work = await jobWork(store, sweepId, stored.jobs, {
    include: (r) => here(r.dataset.group),
    train: true,
  });
  const outcome = await startPendingJobs({
    store,
    sweepId,
    runner,
    progress,
    isAbandoned,
    pendingJobs: work.pendingJobs,
    total: work.total,
    done: work.done,
  });
  return { sweepId, outcome };
}

/** What `startPendingJobs` hands to the runner, and how much work there is (for progress). */
export interface PendingJobs {
  store: ObjectStore;
  sweepId: string;
  runner: Runner;
  progress: SweepProgress;
  isAbandoned: (owner: LeaseOwner) => boolean;
  /** The jobs with something to do, by index. */
  pendingJobs: readonly number[];
  /** Runs to train and evaluations to compute, in all and already done. */
  total: number;
  done: number;
}

/**
 * Hands `pendingJobs` to the runner, except those another run holds a lease on, which are left to it;
 * `isAbandoned` and the runner's leaseHolderGone tell which holders are known dead. How `sweep run` and
 * `adgap evaluate` start their jobs.
 */
export async function startPendingJobs(options: PendingJobs): Promise<RunnerOutcome> {
  const { store, sweepId, runner, progress, isAbandoned, pendingJobs } = options;
  for (const { key, movedTo, reason } of await setAsideUnreadableLeases(store, sweepId))
    progress.notice(`unreadable lease ${key} (${reason}): moved to ${movedTo}, counted as expired`);
  const held = await heldJobs(store, sweepId);
  // A lease of a holder known dead (a process killed with its sweep run on this machine, a container of the
  // runner that died) is freed, not waited out.
  for (const [index, lease] of held) {
    const owner = parseLeaseOwner(lease.owner);
    if (!isAbandoned(owner) && !(await runner.leaseHolderGone?.(owner))) continue;
    await breakLease(store, sweepId, lease);
    held.delete(index);
  }
  const heldPending = pendingJobs.filter((index) => held.has(index));
  if (heldPending.length > 0) {
    const until = heldPending
      .map((index) => (held.get(index) as Lease).expiresAt)
      .sort()
      .at(-1);
    progress.notice(
      `${heldPending.length} of ${pendingJobs.length} pending jobs are being trained by another sweep run (leases renewed until it ends; now until ${until}); this run trains the other ${pendingJobs.length - heldPending.length}. Run it again after the other ends to complete the sweep.`,
    );
  }
  progress.start(options.total, options.done);
  return runner.runJobs(
    { store, sweepId },
    pendingJobs.filter((index) => !held.has(index)),
    (e) => progress.event(e),
  );
}
