import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLeaseOwner } from '../../src/results/lease-owner.js';
import { heldJobs } from '../../src/results/leases.js';
import { resultsPrefix } from '../../src/store/layout.js';
import { listAll } from '../../src/store/object-store.js';
import { adgap } from '../helpers/cli.js';
import { type LocalAws, startLocalAws, synthesizeInProcess } from '../support/local-aws/local-aws.js';
import { waitForStatus } from '../support/local-aws/sweep-status.js';

/**
 * One run of enough epochs that its Batch job is still training when the test acts on it (1,000 epochs ended
 * before the kill on an idle machine): one plain job.
 */
const SWEEP = `name: batch-leases
datasets:
  - group: gaussian
    sizes: { train: 2000, validation: 200, test: 200 }
R: [2]
seeds: [1]
learningRates: [0.01]
epochs: 10000
patience: 10000
modes: [standard]
`;

/**
 * A Batch child killed with kill -9 cannot release its job's lease. Batch marks it FAILED, and a resubmission
 * right after must train the job, not wait out the 2-minute lease; a resubmission while the job still runs is
 * refused with one message, the true one. The synthesized stack on the local AWS, jobs as host processes.
 */
describe('sweep run --runner batch after a child was killed', () => {
  let aws: LocalAws;
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'adgap-batch-leases-'));
    await synthesizeInProcess(join(folder, 'cdk.out'));
    await writeFile(join(folder, 'sweep.yaml'), SWEEP);
    aws = await startLocalAws({ cdkOut: join(folder, 'cdk.out'), launcher: 'process', capacityVcpus: 2 });
  }, 120_000);
  afterAll(async () => {
    await aws?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const submit = () =>
    adgap(
      [
        ...['sweep', 'run', join(folder, 'sweep.yaml'), '--runner', 'batch', '--queue', 'cpu'],
        ...['--outputs', aws.outputsFile, '--store', aws.storeUri],
      ],
      aws.env,
    );
  const store = () => aws.s3.store('');
  const until = async (what: string, condition: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 120_000;
    while (!(await condition())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const results = async (sweepId: string) => {
    const keys: string[] = [];
    for await (const o of listAll(store(), resultsPrefix(sweepId))) keys.push(o.key);
    return keys;
  };

  it('refuses a resubmission while the job runs with one message, and trains at once after a kill -9', async () => {
    const first = await submit();
    expect(first.code, first.stderr).toBe(0);
    const sweepId = /^sweep: (\S+)$/m.exec(first.stdout)?.[1] as string;
    const jobId = /submitted to AWS Batch:\n {2}(\S+)\n/.exec(first.stdout)?.[1] as string;
    await until('the child to hold its lease', async () => (await heldJobs(store(), sweepId)).has(0));
    const holder = parseLeaseOwner((await heldJobs(store(), sweepId)).get(0)?.owner as string);
    expect(holder).toMatchObject({ kind: 'batch', jobId, attempt: 1 });

    const whileRunning = await submit();
    expect(whileRunning.stderr).toBe(
      `adgap: sweep ${sweepId} still has Batch jobs queued or running (${jobId}); follow them with \`adgap sweep status\`, or stop them with \`adgap sweep cancel\`\n`,
    );
    expect(whileRunning.code).toBe(1);

    aws.batch.kill(jobId);
    await until('Batch to mark the child FAILED', () => aws.batch.describe(jobId)?.status === 'FAILED');
    // Killed mid-training: no result, and its lease still live (nobody released it).
    expect(await results(sweepId)).toEqual([]);
    expect((await heldJobs(store(), sweepId)).get(0)?.owner).toContain(`batch:${jobId}#1:`);

    const again = await submit();
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('another sweep run');
    expect(again.stdout).toMatch(/submitted to AWS Batch:\n {2}\S+\n/);
    const status = await waitForStatus((...a) => adgap(a, aws.env), sweepId, aws.storeUri);
    expect(status).toContain('runs: 1 planned, 1 finished, 0 failed, 0 pending');
    expect(await results(sweepId)).toHaveLength(1);
  }, 300_000);
});
