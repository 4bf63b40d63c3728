import type { JobEvent } from '../jobs/job-event.js';
import type { LeaseOwner } from '../results/lease-owner.js';
import type { ObjectStore } from '../store/object-store.js';

/** Which sweep a runner works on: jobs find everything else (plan, datasets, results) in the store. */
export interface SweepTarget {
  store: ObjectStore;
  sweepId: string;
}

export interface JobFailure {
  jobIndex: number;
  error: string;
}

/**
 * What became of the jobs: local processes and docker containers run them to completion ('finished'); AWS
 * Batch queues them and returns at once ('submitted'), and `adgap sweep status` follows them from there.
 */
export type RunnerOutcome =
  | { state: 'finished'; jobFailures: JobFailure[] }
  | { state: 'submitted'; jobIds: string[] };

/**
 * Runs planned jobs somewhere: local processes (the embedded default), docker containers, or AWS Batch.
 * Every runner executes the same job contract (src/application/run-job.ts); only where it runs differs.
 *
 * One interface for the synchronous runners and the asynchronous one, rather than a second "submitter"
 * interface: planning, storing the plan and choosing the pending jobs (executeSweep) are then the same
 * whichever runner runs the sweep, and only the outcome says whether the jobs are done or merely queued.
 */
export interface Runner {
  readonly name: string;
  /** Runs per job when a sweep is first planned for this runner; undefined: a whole cell per job. */
  readonly defaultChunkSize?: number;
  /** True for a runner that only queues the jobs (Batch): it sees none of their runs, so shows no progress. */
  readonly queuesOnly?: boolean;
  /**
   * Whether a job lease's holder is one this runner started and is known to be gone, so a sweep
   * run frees its lease at once instead of waiting for it to expire. The docker runner asks docker about the
   * container a lease names; a runner that cannot tell leaves this out, and its holders' leases expire.
   */
  leaseHolderGone?(owner: LeaseOwner): Promise<boolean>;
  /**
   * Refuses what this runner cannot run now, before executeSweep writes or reports anything, so that a refusal
   * is the only message: the Batch runner refuses a store its jobs cannot reach, and a sweep whose earlier jobs
   * are still queued or running. A runner that can always run leaves this out.
   */
  assertReady?(target: SweepTarget): Promise<void>;
  /** `onEvent` receives the runs' events as they happen; a runner that only queues the jobs sees none. */
  runJobs(
    target: SweepTarget,
    jobIndexes: readonly number[],
    onEvent: (event: JobEvent) => void,
  ): Promise<RunnerOutcome>;
}
