import { BatchClient, DescribeJobsCommand, SubmitJobCommand } from '@aws-sdk/client-batch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { executeSweep } from '../../src/application/execute-sweep.js';
import { ValidationError } from '../../src/errors.js';
import { writeResult } from '../../src/results/stored-results.js';
import { readPlan } from '../../src/results/stored-sweep.js';
import { BatchRunner } from '../../src/runners/batch.js';
import { readImageSource } from '../../src/sources/image-source.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { syntheticResult } from '../helpers/synthetic-sweep.js';
import { s3StorePerTest } from '../support/s3-stores.js';

// One cell (gaussian, R 2, standard) of 5 seeds x 4 learning rates = 20 runs.
const sweep = parseSweepFile({
  name: 'chunks',
  datasets: [{ group: 'gaussian', sizes: { train: 100, validation: 20, test: 20 } }],
  R: [2],
  seeds: [2, 22, 42, 62, 82],
  learningRates: [0.1, 0.01, 0.001, 0.0001],
  modes: ['standard'],
});
// A real store on the local S3-compatible server: the runner submits only for s3:// stores.
const s3Store = s3StorePerTest();
const quiet = { start: () => undefined, event: () => undefined, notice: () => undefined };

const batch = mockClient(BatchClient);
beforeEach(() => {
  batch.reset();
  batch.on(SubmitJobCommand).resolves({ jobId: 'job-id', jobName: 'x', jobArn: 'arn' });
  // Earlier submissions have ended, so a second executeSweep may submit again.
  batch.on(DescribeJobsCommand).resolves({
    jobs: [
      { jobId: 'job-id', jobName: 'x', jobQueue: 'q', jobDefinition: 'd', status: 'SUCCEEDED', startedAt: 0 },
    ],
  });
});
const batchRunner = (store: ObjectStore) =>
  new BatchRunner(
    { region: 'eu-west-1', jobQueue: 'queue', jobDefinition: 'definition' },
    store.uri,
    (region) => new BatchClient({ region }),
  );
/** The sweep run on the Batch runner, with an explicit chunk size or the runner's. */
const onBatch = (store: ObjectStore, chunkSize?: number) =>
  executeSweep({ store, sweep, runner: batchRunner(store), progress: quiet, readImageSource, chunkSize });
const arraySizes = () =>
  batch.commandCalls(SubmitJobCommand).map((c) => c.args[0].input.arrayProperties?.size ?? 1);

async function finish(store: ObjectStore, sweepId: string, jobIndex: number): Promise<void> {
  const plan = await readPlan(store, sweepId);
  for (const [i, run] of (plan.jobs[jobIndex]?.runs ?? []).entries())
    await writeResult(store, syntheticResult(sweepId, run, i));
}

describe('executeSweep', () => {
  it('plans a sweep first run on Batch into jobs of 8 runs and submits them all', async () => {
    const store = await s3Store();
    const { sweepId } = await onBatch(store);
    const plan = await readPlan(store, sweepId);
    expect(plan.chunkSize).toBe(8);
    expect(plan.jobs.map((j) => j.runs.length)).toEqual([8, 8, 4]);
    expect(arraySizes()).toEqual([3]);
  });

  it('plans with an explicit chunk size, and goes on with the stored plan when none is given', async () => {
    const store = await s3Store();
    const { sweepId } = await onBatch(store, 5);
    await onBatch(store);
    expect((await readPlan(store, sweepId)).jobs.map((j) => j.runs.length)).toEqual([5, 5, 5, 5]);
    expect(arraySizes()).toEqual([4, 4]);
  });

  it('refuses a chunk size that differs from the stored plan’s', async () => {
    const store = await s3Store();
    await onBatch(store, 5);
    await expect(onBatch(store, 4)).rejects.toThrow(ValidationError);
    await expect(onBatch(store, 4)).rejects.toThrow(/already planned with 5 runs per job, not 4/);
  });

  it('hands the runner only the jobs that still have a run without a result', async () => {
    const store = await s3Store();
    const { sweepId } = await onBatch(store, 5);
    await finish(store, sweepId, 1);
    batch.resetHistory();
    await onBatch(store);
    expect(
      batch.commandCalls(SubmitJobCommand).map((c) => c.args[0].input.containerOverrides?.command?.slice(-2)),
    ).toEqual([
      ['--job', '0'],
      ['--job-offset', '2'],
    ]);
  });
});
