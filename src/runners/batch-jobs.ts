import {
  type BatchClient,
  DescribeJobsCommand,
  type JobStatus,
  ListJobsCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { batchJobsKey } from '../store/layout.js';
import { getJson, type ObjectStore, putJson } from '../store/object-store.js';

/** One SubmitJob: an array job whose child i runs planned job `firstJob + i`, or one job when `jobCount` is 1. */
export interface BatchSubmission {
  jobId: string;
  jobName: string;
  firstJob: number;
  jobCount: number;
  region: string;
  jobQueue: string;
  jobDefinition: string;
  submittedAt: string;
}

/**
 * `sweeps/<id>/batch-jobs.json`: every submission of the sweep, oldest first. It records the region, so status
 * and cancel need only the store, from any machine, whatever the stack outputs file says by then.
 */
interface BatchJobsRecord {
  submissions: BatchSubmission[];
}

export async function readBatchSubmissions(store: ObjectStore, sweepId: string): Promise<BatchSubmission[]> {
  if ((await store.head(batchJobsKey(sweepId))) === undefined) return [];
  return (await getJson<BatchJobsRecord>(store, batchJobsKey(sweepId))).submissions;
}

/**
 * Appends to the record. Read, then replace: two submitters of one sweep at the same moment could lose one
 * entry, but `BatchRunner` refuses to submit while recorded jobs are unfinished, so that takes two people
 * racing on the same sweep.
 */
export async function recordBatchSubmissions(
  store: ObjectStore,
  sweepId: string,
  added: readonly BatchSubmission[],
): Promise<void> {
  const submissions = [...(await readBatchSubmissions(store, sweepId)), ...added];
  await putJson(store, batchJobsKey(sweepId), { submissions } satisfies BatchJobsRecord);
}

/** Batch's job states, in the order a job passes through them. */
export const BATCH_STATES: readonly JobStatus[] = [
  'SUBMITTED',
  'PENDING',
  'RUNNABLE',
  'STARTING',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
];

const FINAL_STATES: ReadonlySet<string> = new Set<JobStatus>(['SUCCEEDED', 'FAILED']);

export interface BatchJobState {
  submission: BatchSubmission;
  /** The job's own state (an array's parent); 'EXPIRED' once Batch no longer describes it (days after it ended). */
  status: JobStatus | 'EXPIRED';
  /** How many planned jobs are in each state: the array's children, or the single job itself. */
  children: Partial<Record<JobStatus, number>>;
  /** Batch's reason for the job's state (an array parent's says only that a child failed). */
  statusReason?: string;
}

/** Batch answers DescribeJobs for at most 100 ids per request. */
const DESCRIBE_LIMIT = 100;

/** Where each recorded submission stands now. `clientFor` gives a client for a submission's region. */
export async function describeSubmissions(
  submissions: readonly BatchSubmission[],
  clientFor: (region: string) => BatchClient,
): Promise<BatchJobState[]> {
  const described = new Map<
    string,
    { status: JobStatus; summary: Record<string, number>; statusReason: string | undefined }
  >();
  for (const [region, inRegion] of groupBy(submissions, (s) => s.region)) {
    const client = clientFor(region);
    for (let start = 0; start < inRegion.length; start += DESCRIBE_LIMIT) {
      const ids = inRegion.slice(start, start + DESCRIBE_LIMIT).map((s) => s.jobId);
      const { jobs = [] } = await client.send(new DescribeJobsCommand({ jobs: ids }));
      for (const job of jobs) {
        if (job.jobId === undefined || job.status === undefined) continue;
        described.set(job.jobId, {
          status: job.status,
          summary: job.arrayProperties?.statusSummary ?? {},
          statusReason: job.statusReason,
        });
      }
    }
  }
  return submissions.map((submission) => {
    const job = described.get(submission.jobId);
    if (job === undefined) return { submission, status: 'EXPIRED', children: {} };
    // A parent has no children until Batch creates them (SUBMITTED, PENDING): until then all are in its state.
    const counted = Object.values(job.summary).reduce((a, b) => a + b, 0);
    const children =
      submission.jobCount > 1 && counted > 0
        ? Object.fromEntries(BATCH_STATES.filter((s) => job.summary[s]).map((s) => [s, job.summary[s]]))
        : { [job.status]: submission.jobCount };
    return {
      submission,
      status: job.status,
      children,
      ...(job.statusReason === undefined ? {} : { statusReason: job.statusReason }),
    };
  });
}

/** Whether a job has ended (SUCCEEDED or FAILED): Batch starts no further attempt of it. */
export const isFinal = (status: string): boolean => FINAL_STATES.has(status);

/**
 * Why a submission's failed jobs failed, in Batch's words (`CannotPullContainerError: ...`, `Essential container
 * in task exited`): a single job's own status reason, or one failed child's for an array (ListJobs), since an
 * array parent says only "Array Child Job failed". Undefined while none has failed.
 */
export async function failureReason(
  state: BatchJobState,
  clientFor: (region: string) => BatchClient,
): Promise<string | undefined> {
  if (!state.children.FAILED) return undefined;
  if (state.submission.jobCount === 1) return state.statusReason;
  const { jobSummaryList = [] } = await clientFor(state.submission.region).send(
    new ListJobsCommand({ arrayJobId: state.submission.jobId, jobStatus: 'FAILED', maxResults: 1 }),
  );
  return jobSummaryList[0]?.statusReason ?? state.statusReason;
}

export const isUnfinished = (state: BatchJobState): boolean =>
  state.status !== 'EXPIRED' && !isFinal(state.status);

/**
 * Terminates every recorded job that has not ended; for an array job that is its parent, which takes its
 * children with it (queued ones are cancelled, running ones stopped). Returns the ids it terminated.
 */
export async function terminateSubmissions(
  submissions: readonly BatchSubmission[],
  clientFor: (region: string) => BatchClient,
  reason: string,
): Promise<string[]> {
  const unfinished = (await describeSubmissions(submissions, clientFor)).filter(isUnfinished);
  for (const { submission } of unfinished) {
    await clientFor(submission.region).send(new TerminateJobCommand({ jobId: submission.jobId, reason }));
  }
  return unfinished.map((s) => s.submission.jobId);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
