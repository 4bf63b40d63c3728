import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { listAll } from '../../src/store/object-store.js';
import { adgap } from '../helpers/cli.js';
import { type S3TestServer, startS3TestServer } from '../support/s3-test-server.js';
import { fourRunSweep } from '../support/tiny-sweeps.js';

let server: S3TestServer;
let folder: string;
beforeAll(async () => {
  server = await startS3TestServer();
  folder = await mkdtemp(join(tmpdir(), 'adgap-sweep-on-s3-'));
});
afterAll(async () => {
  await server?.stop();
  await rm(folder, { recursive: true, force: true });
});

/** stdout of a CLI command that must succeed, with the server's endpoint and credentials in its env. */
async function run(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await adgap(args, server.env);
  if (code !== 0) throw new Error(`adgap ${args.join(' ')} exited ${code}: ${stderr}`);
  return stdout;
}

test('a sweep run on s3:// gives the same report as on a local folder', async () => {
  const sweepFile = join(folder, 'tiny.yaml');
  // Seconds of training, but the whole path (plan, jobs, results).
  await writeFile(sweepFile, fourRunSweep('store-e2e'));
  const s3Uri = `s3://${server.bucket}/e2e`;
  const localUri = join(folder, 'store');

  const s3Run = await run('sweep', 'run', sweepFile, '--store', s3Uri, '--concurrency', '2');
  await run('sweep', 'run', sweepFile, '--store', localUri, '--concurrency', '2');
  const sweepId = /^sweep: (\S+)$/m.exec(s3Run)?.[1] ?? '';

  const results = [];
  for await (const o of listAll(server.store('e2e'), `sweeps/${sweepId}/results/`)) results.push(o.key);
  expect(results).toHaveLength(4);
  const s3Report = JSON.parse(await run('report', sweepId, '--store', s3Uri, '--format', 'json'));
  const localReport = JSON.parse(await run('report', sweepId, '--store', localUri, '--format', 'json'));
  expect(s3Report.runs).toEqual({ expected: 4, finished: 4, failed: 0 });
  expect(s3Report).toEqual(localReport);
}, 180_000);
