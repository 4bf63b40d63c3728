import { type BatchClient, DescribeJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { AdgapError, ValidationError } from '../errors.js';
import { jobRunArguments } from '../jobs/job-command.js';
import type { LeaseOwner } from '../results/lease-owner.js';
import { canonicalS3Uri, sameS3Store } from '../store/s3.js';
import {
  type BatchSubmission,
  describeSubmissions,
  isFinal,
  isUnfinished,
  readBatchSubmissions,
  recordBatchSubmissions,
} from './batch-jobs.js';
import type { Runner, RunnerOutcome, SweepTarget } from './runner.js';

/** Batch's limit on the children of one array job (and arrays need at least 2). */
const MAX_ARRAY_SIZE = 10_000;

/**
 * Runs per job on Batch when the sweep file is first planned there: one seed's share of the protocol's
 * 8-rate learning-rate grid. A job's fixed cost (placing it, pulling the image, loading the dataset) is a
 * minute or two, which 8 runs amortise, while a 5-seed cell still spreads over 5 GPUs at once. A Spot
 * reclaim costs at most the run in progress: finished runs are stored as they end.
 */
export const BATCH_CHUNK_SIZE = 8;

/** Where jobs go: one queue and the job definition that runs the trainer image on it (from the stack outputs). */
export interface BatchQueue {
  region: string;
  jobQueue: string;
  jobDefinition: string;
}

/**
 * Submits the jobs to AWS Batch and returns once they are queued. Each contiguous range of job indexes becomes
 * one array job per 10,000 (a first submission is one range; a re-submission after failures may be several),
 * and a range of one becomes a plain job, since Batch refuses arrays of size 1. The submissions are recorded
 * in the store for `adgap sweep status` and `adgap sweep cancel`.
 */
export class BatchRunner implements Runner {
  readonly name = 'batch';
  readonly defaultChunkSize = BATCH_CHUNK_SIZE;
  readonly queuesOnly = true;

  /**
   * `storeUri` is the one store the jobs can reach: the stack's bucket, whose keys the job role may read and
   * write (`s3://<BucketName>`, no prefix).
   */
  constructor(
    private readonly queue: BatchQueue,
    private readonly storeUri: string,
    private readonly clientFor: (region: string) => BatchClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Refuses a store other than the stack's bucket, and a second submission while the first is queued or
   * running (it would train the same runs twice). executeSweep asks before it prepares, stores or reports
   * anything, so "still has Batch jobs queued or running" is the one message such a run prints.
   */
  async assertReady({ store, sweepId }: SweepTarget): Promise<void> {
    if (!store.uri.startsWith('s3://') || !sameS3Store(store.uri, this.storeUri)) {
      throw new ValidationError(
        '--store',
        `Batch jobs can reach only the stack's bucket: use --store ${canonicalS3Uri(this.storeUri)} (not '${store.uri}')`,
      );
    }
    const inFlight = (
      await describeSubmissions(await readBatchSubmissions(store, sweepId), this.clientFor)
    ).filter(isUnfinished);
    if (inFlight.length > 0) {
      const ids = inFlight.map((s) => s.submission.jobId).join(', ');
      throw new AdgapError(
        `sweep ${sweepId} still has Batch jobs queued or running (${ids}); follow them with \`adgap sweep status\`, or stop them with \`adgap sweep cancel\``,
      );
    }
  }

  /**
   * Whether a lease's holder is a Batch job that Batch describes as ended (SUCCEEDED or FAILED: a child
   * killed with kill -9, out of memory, or on a host that went away cannot release its lease). Asked of the
   * queue's region, where this runner's jobs run; a job Batch does not know (another region or account, or
   * one ended so long ago that its lease has expired anyway) is not claimed.
   */
  async leaseHolderGone(holder: LeaseOwner): Promise<boolean> {
    if (holder.kind !== 'batch') return false;
    const { jobs = [] } = await this.clientFor(this.queue.region).send(
      new DescribeJobsCommand({ jobs: [holder.jobId] }),
    );
    const status = jobs.find((job) => job.jobId === holder.jobId)?.status;
    return status !== undefined && isFinal(status);
  }

  /** Submits the jobs; executeSweep has asked assertReady first. */
  async runJobs(target: SweepTarget, jobIndexes: readonly number[]): Promise<RunnerOutcome> {
    const { store, sweepId } = target;
    const client = this.clientFor(this.queue.region);
    const submissions: BatchSubmission[] = [];
    for (const { firstJob, jobCount } of arrayRanges(jobIndexes)) {
      const jobName = `${sweepId}-jobs-${firstJob}-${firstJob + jobCount - 1}`;
      const { jobId } = await client.send(
        new SubmitJobCommand({
          jobName,
          jobQueue: this.queue.jobQueue,
          jobDefinition: this.queue.jobDefinition,
          ...(jobCount > 1 ? { arrayProperties: { size: jobCount } } : {}),
          containerOverrides: {
            command: jobRunArguments(
              store.uri,
              sweepId,
              jobCount > 1 ? { jobOffset: firstJob } : { job: firstJob },
            ),
          },
        }),
      );
      if (jobId === undefined) throw new AdgapError(`AWS Batch accepted ${jobName} but returned no job id`);
      const submission = {
        jobId,
        jobName,
        firstJob,
        jobCount,
        ...this.queue,
        submittedAt: this.now().toISOString(),
      };
      // Recorded one by one, so that if a later SubmitJob fails, status and cancel still see the earlier ones.
      await recordBatchSubmissions(store, sweepId, [submission]);
      submissions.push(submission);
    }
    return { state: 'submitted', jobIds: submissions.map((s) => s.jobId) };
  }
}

/** Sorted job indexes as runs of consecutive indexes, none longer than an array job may be. */
function arrayRanges(jobIndexes: readonly number[]): { firstJob: number; jobCount: number }[] {
  const ranges: { firstJob: number; jobCount: number }[] = [];
  for (const index of [...jobIndexes].sort((a, b) => a - b)) {
    const last = ranges.at(-1);
    if (last && index === last.firstJob + last.jobCount && last.jobCount < MAX_ARRAY_SIZE) last.jobCount += 1;
    else ranges.push({ firstJob: index, jobCount: 1 });
  }
  return ranges;
}
