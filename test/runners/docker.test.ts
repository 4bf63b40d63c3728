import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseLeaseOwner } from '../../src/results/lease-owner.js';
import { heldJobs } from '../../src/results/leases.js';
import { DockerRunner } from '../../src/runners/docker.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { parseSweepFile } from '../../src/sweep/schema.js';
import { sweepId as idOf } from '../../src/sweep/sweep-id.js';
import { adgap } from '../helpers/cli.js';
import { type S3TestServer, startS3TestServer } from '../support/s3-test-server.js';
import { fourRunSweep } from '../support/tiny-sweeps.js';

/**
 * Needs a docker daemon that can build the trainer image (see .ci/run, which provides one), so it runs only
 * when asked to: ADGAP_DOCKER_E2E=1.
 */
const enabled = process.env.ADGAP_DOCKER_E2E === '1';
if (!enabled)
  console.info('test/runners/docker.test.ts skipped: set ADGAP_DOCKER_E2E=1 to run it (needs docker)');

/** One MLP run of a few hundred epochs: tens of seconds in a container, long enough to kill it mid-job. */
const SLOW_SWEEP = `name: docker-lease
datasets:
  - group: gaussian
    sizes: { train: 4000, validation: 200, test: 200 }
R: [2]
seeds: [2]
learningRates: [0.0001]
model: mlp
epochs: 400
patience: 400
modes: [standard]
`;

const exec = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every half second until it returns a value, for at most `seconds`. */
async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < seconds * 2; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(500);
  }
  throw new Error(`gave up waiting for ${what} after ${seconds} s`);
}

describe.skipIf(!enabled)('adgap sweep run --runner docker', () => {
  let server: S3TestServer;
  let folder: string;
  let sweepFile: string;
  beforeAll(async () => {
    server = await startS3TestServer();
    folder = await mkdtemp(join(tmpdir(), 'adgap-docker-'));
    sweepFile = join(folder, 'tiny.yaml');
    // Seconds of training, the whole path through docker.
    await writeFile(sweepFile, fourRunSweep('docker-e2e'));
  });
  afterAll(async () => {
    await server?.stop();
    if (folder) await rm(folder, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<string> {
    const out = await adgap(args, server.env);
    expect(out.code, out.stderr).toBe(0);
    return out.stdout;
  }
  const reportOf = async (sweepId: string, store: string) =>
    JSON.parse(await run('report', sweepId, '--store', store, '--format', 'json'));

  it('trains against an S3-compatible server and reports exactly what local processes report', async () => {
    const dockerStore = `s3://${server.bucket}/docker`;
    const localStore = `s3://${server.bucket}/local`;
    const dockerRun = await run('sweep', 'run', sweepFile, '--store', dockerStore, '--runner', 'docker');
    await run('sweep', 'run', sweepFile, '--store', localStore, '--runner', 'local');
    const sweepId = /^sweep: (\S+)$/m.exec(dockerRun)?.[1] as string;

    const dockerReport = await reportOf(sweepId, dockerStore);
    expect(dockerReport.runs).toEqual({ expected: 4, finished: 4, failed: 0 });
    expect(dockerReport).toEqual(await reportOf(sweepId, localStore));
  }, 900_000);

  it('trains into a store folder mounted into the containers', async () => {
    const store = join(folder, 'store');
    const dockerRun = await run('sweep', 'run', sweepFile, '--store', store, '--runner', 'docker');
    const sweepId = /^sweep: (\S+)$/m.exec(dockerRun)?.[1] as string;
    expect((await reportOf(sweepId, store)).runs).toEqual({ expected: 4, finished: 4, failed: 0 });
  }, 300_000);

  it('a rerun frees at once the lease of a container that died mid-job and trains its job', async () => {
    const store = join(folder, 'lease-store');
    const file = join(folder, 'slow.yaml');
    await writeFile(file, SLOW_SWEEP);
    const sweepId = idOf(parseSweepFile(parse(SLOW_SWEEP)));
    const first = adgap(['sweep', 'run', file, '--store', store, '--runner', 'docker'], server.env);
    // The runner names the job's container after the sweep and job; its lease owner names the container.
    const lease = await waitFor('the job in its container to take its lease', 600, async () =>
      (await heldJobs(new LocalFolderStore(store), sweepId).catch(() => undefined))?.get(0),
    );
    const container = /^docker:[^/]+\/(adgap-docker-lease-[0-9a-f]{8}-job0-[0-9a-f]{6})$/.exec(
      lease.owner,
    )?.[1];
    expect(container, lease.owner).toBeDefined();
    const runner = new DockerRunner('unused', 'cpu');
    expect(await runner.leaseHolderGone(parseLeaseOwner(lease.owner))).toBe(false);

    await exec('docker', ['kill', container as string]);
    const killed = await first;
    expect(killed.code, 'the job should still have been training when its container was killed').toBe(1);
    expect(await runner.leaseHolderGone(parseLeaseOwner(lease.owner))).toBe(true);
    // The dead container's lease has not expired: without asking docker, the rerun would leave the job to it.
    expect((await heldJobs(new LocalFolderStore(store), sweepId)).has(0)).toBe(true);

    const rerun = await adgap(['sweep', 'run', file, '--store', store, '--runner', 'docker'], server.env);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(rerun.stdout + rerun.stderr).not.toContain('being trained by another sweep run');
    expect((await reportOf(sweepId, store)).runs).toEqual({ expected: 1, finished: 1, failed: 0 });
  }, 900_000);
});
