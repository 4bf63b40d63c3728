import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchClient,
  DescribeJobsCommand,
  type JobDetail,
  SubmitJobCommand,
  TerminateJobCommand,
} from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { parseLeaseOwner } from '../../src/results/lease-owner.js';
import { BatchRunner } from '../../src/runners/batch.js';
import {
  type BatchSubmission,
  describeSubmissions,
  readBatchSubmissions,
  recordBatchSubmissions,
  terminateSubmissions,
} from '../../src/runners/batch-jobs.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { s3StorePerTest } from '../support/s3-stores.js';

const SWEEP = 'paper-0123abcd';
const QUEUE = {
  region: 'eu-west-1',
  jobQueue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/GpuQueue-abc',
  jobDefinition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/GpuTrainer-1:1',
};
const SUBMITTED_AT = new Date('2026-01-02T03:04:05.000Z');

const batch = mockClient(BatchClient);
beforeEach(() => batch.reset());

// A real store on the local S3-compatible server: the runner submits only for s3:// stores.
const s3Store = s3StorePerTest();

function runner(store: ObjectStore) {
  let next = 0;
  batch.on(SubmitJobCommand).callsFake(() => ({ jobId: `job-${next++}`, jobName: 'x', jobArn: 'arn' }));
  return new BatchRunner(
    QUEUE,
    store.uri,
    (region) => new BatchClient({ region }),
    () => SUBMITTED_AT,
  );
}

const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);
const submits = () => batch.commandCalls(SubmitJobCommand).map((call) => call.args[0].input);

describe('the Batch runner', () => {
  it('submits the pending jobs as one array job on the queue and definition, each child told the store, sweep and offset', async () => {
    const store = await s3Store();
    const outcome = await runner(store).runJobs({ store, sweepId: SWEEP }, range(0, 3));
    expect(outcome).toEqual({ state: 'submitted', jobIds: ['job-0'] });
    expect(submits()).toEqual([
      {
        jobName: `${SWEEP}-jobs-0-2`,
        jobQueue: QUEUE.jobQueue,
        jobDefinition: QUEUE.jobDefinition,
        arrayProperties: { size: 3 },
        containerOverrides: {
          command: ['job', 'run', '--store', store.uri, '--sweep', SWEEP, '--job-offset', '0'],
        },
      },
    ]);
  });

  it('splits 12,345 jobs into arrays of 10,000 and 2,345, the second starting at job 10,000', async () => {
    const store = await s3Store();
    const outcome = await runner(store).runJobs({ store, sweepId: SWEEP }, range(0, 12_345));
    expect(outcome).toEqual({ state: 'submitted', jobIds: ['job-0', 'job-1'] });
    expect(submits().map((s) => [s.arrayProperties?.size, s.containerOverrides?.command?.slice(-2)])).toEqual(
      [
        [10_000, ['--job-offset', '0']],
        [2_345, ['--job-offset', '10000']],
      ],
    );
  });

  it('submits a single job without array properties, naming its index, since Batch refuses arrays of one', async () => {
    const store = await s3Store();
    await runner(store).runJobs({ store, sweepId: SWEEP }, [0]);
    expect(submits()).toHaveLength(1);
    expect(submits()[0]?.arrayProperties).toBeUndefined();
    expect(submits()[0]?.containerOverrides?.command?.slice(-2)).toEqual(['--job', '0']);
  });

  it('submits the one job left over after 10,000 as a single job', async () => {
    const store = await s3Store();
    await runner(store).runJobs({ store, sweepId: SWEEP }, range(0, 10_001));
    expect(submits().map((s) => [s.arrayProperties?.size, s.containerOverrides?.command?.slice(-2)])).toEqual(
      [
        [10_000, ['--job-offset', '0']],
        [undefined, ['--job', '10000']],
      ],
    );
  });

  it('submits each run of consecutive pending jobs on its own, so no child runs a finished job', async () => {
    const store = await s3Store();
    await runner(store).runJobs({ store, sweepId: SWEEP }, [8, 2, 3, 4, 6, 7]);
    expect(
      submits().map((s) => [s.jobName, s.arrayProperties?.size, s.containerOverrides?.command?.slice(-2)]),
    ).toEqual([
      [`${SWEEP}-jobs-2-4`, 3, ['--job-offset', '2']],
      [`${SWEEP}-jobs-6-8`, 3, ['--job-offset', '6']],
    ]);
  });

  it('records every submission in the store with its queue, region and range', async () => {
    const store = await s3Store();
    await runner(store).runJobs({ store, sweepId: SWEEP }, range(0, 10_001));
    expect(await readBatchSubmissions(store, SWEEP)).toEqual([
      {
        jobId: 'job-0',
        jobName: `${SWEEP}-jobs-0-9999`,
        firstJob: 0,
        jobCount: 10_000,
        ...QUEUE,
        submittedAt: SUBMITTED_AT.toISOString(),
      },
      {
        jobId: 'job-1',
        jobName: `${SWEEP}-jobs-10000-10000`,
        firstJob: 10_000,
        jobCount: 1,
        ...QUEUE,
        submittedAt: SUBMITTED_AT.toISOString(),
      },
    ]);
  });

  it('keeps the record of the arrays submitted before a SubmitJob fails, so status and cancel still see them', async () => {
    const store = await s3Store();
    const failing = new BatchRunner(QUEUE, store.uri, (region) => new BatchClient({ region }));
    batch
      .on(SubmitJobCommand)
      .resolvesOnce({ jobId: 'first', jobName: 'x', jobArn: 'arn' })
      .rejectsOnce(new Error('throttled'));
    await expect(failing.runJobs({ store, sweepId: SWEEP }, range(0, 10_002))).rejects.toThrow('throttled');
    expect((await readBatchSubmissions(store, SWEEP)).map((s) => s.jobId)).toEqual(['first']);
  });

  it('refuses to submit while an earlier submission of the sweep is still running', async () => {
    const store = await s3Store();
    await recordBatchSubmissions(store, SWEEP, [submission('old-job', 0, 4)]);
    batch.on(DescribeJobsCommand).resolves({ jobs: [detail('old-job', 'RUNNING', { RUNNING: 4 })] });
    await expect(runner(store).assertReady({ store, sweepId: SWEEP })).rejects.toThrow(
      /still has Batch jobs queued or running \(old-job\)/,
    );
    expect(submits()).toEqual([]);
  });

  it('submits again once the earlier submission has ended', async () => {
    const store = await s3Store();
    await recordBatchSubmissions(store, SWEEP, [submission('old-job', 0, 4)]);
    batch
      .on(DescribeJobsCommand)
      .resolves({ jobs: [detail('old-job', 'FAILED', { SUCCEEDED: 3, FAILED: 1 })] });
    const ready = runner(store);
    await ready.assertReady({ store, sweepId: SWEEP });
    await ready.runJobs({ store, sweepId: SWEEP }, [2]);
    expect(submits()).toHaveLength(1);
    expect((await readBatchSubmissions(store, SWEEP)).map((s) => s.jobId)).toEqual(['old-job', 'job-0']);
  });

  it.each([
    ['FAILED', true],
    ['SUCCEEDED', true],
    ['RUNNING', false],
    ['RUNNABLE', false],
  ] as const)(
    'a lease held by a Batch child that Batch describes as %s is gone: %s',
    async (status, gone) => {
      const store = await s3Store();
      batch.on(DescribeJobsCommand).resolves({ jobs: [detail('array-1:3', status)] });
      const holder = parseLeaseOwner('batch:array-1:3#1:abc123');
      expect(await runner(store).leaseHolderGone(holder)).toBe(gone);
      expect(batch.commandCalls(DescribeJobsCommand).map((c) => c.args[0].input)).toEqual([
        { jobs: ['array-1:3'] },
      ]);
    },
  );

  it('does not claim a lease of a job Batch does not describe, nor of a holder that is no Batch job', async () => {
    const store = await s3Store();
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    expect(await runner(store).leaseHolderGone(parseLeaseOwner('batch:elsewhere#1:abc123'))).toBe(false);
    expect(await runner(store).leaseHolderGone(parseLeaseOwner('host:12:4026531836:abc123'))).toBe(false);
    expect(batch.commandCalls(DescribeJobsCommand)).toHaveLength(1);
  });

  it('refuses a store other than the stack’s bucket, which is all the jobs can reach, before submitting', async () => {
    const bucket = await s3Store();
    const folder = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-batch-')));
    const elsewhere = await s3Store();
    for (const store of [folder, elsewhere]) {
      await expect(runner(bucket).assertReady({ store, sweepId: SWEEP })).rejects.toThrow(ValidationError);
      await expect(runner(bucket).assertReady({ store, sweepId: SWEEP })).rejects.toThrow(
        `use --store ${bucket.uri} (not '${store.uri}')`,
      );
    }
    expect(submits()).toEqual([]);
  });
});

function submission(
  jobId: string,
  firstJob: number,
  jobCount: number,
  region = QUEUE.region,
): BatchSubmission {
  return {
    jobId,
    jobName: `${SWEEP}-jobs-${firstJob}-${firstJob + jobCount - 1}`,
    firstJob,
    jobCount,
    ...QUEUE,
    region,
    submittedAt: SUBMITTED_AT.toISOString(),
  };
}

function detail(
  jobId: string,
  status: JobDetail['status'],
  statusSummary?: Record<string, number>,
): JobDetail {
  return {
    jobId,
    jobName: 'x',
    jobQueue: QUEUE.jobQueue,
    jobDefinition: QUEUE.jobDefinition,
    status,
    startedAt: 0,
    ...(statusSummary ? { arrayProperties: { size: 4, statusSummary } } : {}),
  };
}

const clientFor = (region: string) => new BatchClient({ region });

describe('Batch job status', () => {
  it('counts an array job’s children by state, in the order jobs pass through them', async () => {
    batch
      .on(DescribeJobsCommand)
      .resolves({ jobs: [detail('a', 'PENDING', { FAILED: 1, RUNNING: 2, RUNNABLE: 0, SUCCEEDED: 5 })] });
    const [state] = await describeSubmissions([submission('a', 0, 8)], clientFor);
    expect(state?.status).toBe('PENDING');
    expect(Object.entries(state?.children ?? {})).toEqual([
      ['RUNNING', 2],
      ['SUCCEEDED', 5],
      ['FAILED', 1],
    ]);
  });

  it('counts every child in the parent’s state before Batch has created the children', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [detail('a', 'SUBMITTED', {})] });
    const [state] = await describeSubmissions([submission('a', 0, 8)], clientFor);
    expect(state?.children).toEqual({ SUBMITTED: 8 });
  });

  it('counts a single job as one job in its own state', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [detail('s', 'RUNNABLE')] });
    const [state] = await describeSubmissions([submission('s', 9, 1)], clientFor);
    expect(state).toMatchObject({ status: 'RUNNABLE', children: { RUNNABLE: 1 } });
  });

  it('marks a job Batch no longer describes as expired', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    const [state] = await describeSubmissions([submission('gone', 0, 2)], clientFor);
    expect(state).toMatchObject({ status: 'EXPIRED', children: {} });
  });

  it('asks for at most 100 jobs per DescribeJobs request', async () => {
    batch.on(DescribeJobsCommand).resolves({ jobs: [] });
    await describeSubmissions(
      range(0, 150).map((i) => submission(`j${i}`, i, 1)),
      clientFor,
    );
    expect(batch.commandCalls(DescribeJobsCommand).map((c) => c.args[0].input.jobs?.length)).toEqual([
      100, 50,
    ]);
  });
});

describe('cancelling a sweep on Batch', () => {
  it('terminates the recorded jobs that have not ended, with the reason, and leaves ended ones alone', async () => {
    batch.on(DescribeJobsCommand).resolves({
      jobs: [
        detail('done', 'SUCCEEDED', { SUCCEEDED: 4 }),
        detail('queued', 'PENDING', { RUNNABLE: 4 }),
        detail('running', 'RUNNING'),
      ],
    });
    batch.on(TerminateJobCommand).resolves({});
    const terminated = await terminateSubmissions(
      [submission('done', 0, 4), submission('queued', 4, 4), submission('running', 8, 1)],
      clientFor,
      'cancelled by adgap sweep cancel',
    );
    expect(terminated).toEqual(['queued', 'running']);
    expect(batch.commandCalls(TerminateJobCommand).map((c) => c.args[0].input)).toEqual([
      { jobId: 'queued', reason: 'cancelled by adgap sweep cancel' },
      { jobId: 'running', reason: 'cancelled by adgap sweep cancel' },
    ]);
  });
});
