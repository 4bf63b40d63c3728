import type { JobEvent } from '../train/job.js';

/** Which sweep a runner works on: jobs find everything else (plan, datasets, results) in the store. */
export interface SweepTarget {
  storeUri: string;
  sweepId: string;
}

export interface JobFailure {
  jobIndex: number;
  error: string;
}

/**
 * Runs planned jobs somewhere: local processes (the embedded default), docker containers, or AWS Batch.
 * Every runner executes the same job contract (src/train/job.ts); only where it runs differs.
 */
export interface Runner {
  readonly name: string;
  runJobs(
    target: SweepTarget,
    jobIndexes: readonly number[],
    onEvent: (event: JobEvent) => void,
  ): Promise<JobFailure[]>;
}
