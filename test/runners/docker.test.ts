import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
