import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import { type LocalAws, startLocalAws, synthesizeInProcess } from '../support/local-aws/local-aws.js';
import { waitForStatus } from '../support/local-aws/sweep-status.js';

/** Two runs, one job each (--chunk-size 1): an array job of two children. */
const SWEEP = `name: store-identity
datasets:
  - group: gaussian
    sizes: { train: 60, validation: 20, test: 20 }
    synthetic: { dim: 4, meanNonZero: 2 }
R: [2]
seeds: [1, 2]
learningRates: [0.01]
epochs: 2
patience: 2
modes: [standard]
`;

/**
 * The stack of this checkout's synthesized template on the local AWS, its jobs run as host processes (the
 * docker variant, with the trainer image, is test/local-aws/cloud-sweep.test.ts): the CLI is used as after
 * `cdk deploy`, with the stack outputs file.
 */
describe('adgap sweep run --runner batch with a stack outputs file', () => {
  let aws: LocalAws;
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'adgap-store-identity-'));
    await synthesizeInProcess(join(folder, 'cdk.out'));
    await writeFile(join(folder, 'sweep.yaml'), SWEEP);
    aws = await startLocalAws({ cdkOut: join(folder, 'cdk.out'), launcher: 'process', capacityVcpus: 2 });
  }, 120_000);
  afterAll(async () => {
    await aws?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  const cli = (...args: string[]) => adgap(args, aws.env);

  it.each(['', '/'])(
    'accepts the stack’s bucket as s3://<BucketName>%s and runs the sweep there',
    async (slash) => {
      const store = `${aws.storeUri}${slash}`;
      const sweepFile = join(folder, `sweep${slash === '' ? '' : '-slash'}.yaml`);
      await writeFile(
        sweepFile,
        SWEEP.replace('store-identity', `store-identity${slash === '' ? '' : '-slash'}`),
      );
      const out = await cli(
        ...['sweep', 'run', sweepFile, '--runner', 'batch', '--queue', 'cpu'],
        ...['--outputs', aws.outputsFile, '--store', store, '--chunk-size', '1'],
      );
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toMatch(/submitted to AWS Batch:\n {2}[0-9a-f-]{36}\n/);
      // Batch only queues the jobs: no progress line promises runs that this command never sees.
      expect(out.stderr).not.toMatch(/^\[\d+\/\d+\]/m);
      // The store is printed (and recorded) in its one canonical form.
      expect(out.stdout).toContain(`--store ${aws.storeUri}\n`);
      const sweepId = /^sweep: (\S+)$/m.exec(out.stdout)?.[1] as string;
      const status = await waitForStatus(cli, sweepId, store);
      expect(status).toContain('runs: 2 planned, 2 finished, 0 failed, 0 pending');
    },
    120_000,
  );

  it('refuses a prefix of the stack’s bucket, naming the store to use', async () => {
    const out = await cli(
      ...['sweep', 'run', join(folder, 'sweep.yaml'), '--runner', 'batch', '--queue', 'cpu'],
      ...['--outputs', aws.outputsFile, '--store', `${aws.storeUri}/elsewhere`],
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`use --store ${aws.storeUri} (not '${aws.storeUri}/elsewhere')`);
  });
});
