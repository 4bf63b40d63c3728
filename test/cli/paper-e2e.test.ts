import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import { FASHION_FILE_NAMES, startSourceServer, writeSourcesFile } from '../support/source-server.js';

/**
 * Issue 23's "done when", end to end: `adgap paper --groups fmnist,gaussian` on a fresh machine whose Fashion-MNIST
 * files come from a local HTTP server standing for their published location (the real data: this machine's
 * Debian copies, which are re-compressed, so the sources file gives their own md5s, as for any mirror). With the
 * server down, gaussian trains and fmnist is left out (exit 3); with it up, the same command resumes, downloads,
 * trains fmnist and reports both (exit 0). Trains 2,240 runs of the paper's grid, so it runs only with
 * ADGAP_PAPER_E2E=1: measured on the shared 2-core machine at a load of 10-18, 558 s with the server down (gaussian)
 * and 3,296 s with it up (fmnist), 64 min in all (README: 898 mnist and 1,120 fmnist runs took 15 min 27 s at a
 * load of 4-5).
 */
const enabled = process.env.ADGAP_PAPER_E2E === '1';
if (!enabled) console.info('test/cli/paper-e2e.test.ts skipped: set ADGAP_PAPER_E2E=1 to run it (minutes)');

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-paper-e2e-'));
});
afterAll(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
});

it.skipIf(!enabled)(
  'paper --groups fmnist,gaussian trains gaussian while fmnist cannot be had, then resumes with both',
  async () => {
    const files = new Map<string, Uint8Array>();
    for (const name of FASHION_FILE_NAMES)
      files.set(name, new Uint8Array(await readFile(join('/usr/share/datasets/fashion-mnist', name))));
    const server = await startSourceServer(files);
    const env = {
      ADGAP_DATASET_SOURCES: await writeSourcesFile({
        path: join(folder, 'sources.json'),
        group: 'fmnist',
        baseUrl: server.baseUrl,
        files,
      }),
      ADGAP_SOURCE_CACHE: join(folder, 'cache'),
    };
    const paper = () =>
      adgap(['paper', '--groups', 'fmnist,gaussian', '--store', join(folder, 'store')], env);
    try {
      await server.stop();
      let startedAt = Date.now();
      const down = await paper();
      console.info(`paper with the server down: ${Math.round((Date.now() - startedAt) / 1000)} s`);
      expect(down.code, down.stderr).toBe(3);
      expect(down.stdout).toMatch(/\n {2}fmnist: not run now: fmnist: cannot reach http:\/\/127\.0\.0\.1:/);
      expect(down.stdout).toMatch(/gaussian/);
      const restarted = await startSourceServer(files);
      await writeSourcesFile({
        path: env.ADGAP_DATASET_SOURCES,
        group: 'fmnist',
        baseUrl: restarted.baseUrl,
        files,
      });
      startedAt = Date.now();
      const up = await paper().finally(() => restarted.stop());
      console.info(`paper with the server up (resumed): ${Math.round((Date.now() - startedAt) / 1000)} s`);
      expect(up.code, up.stderr).toBe(0);
      expect(up.stderr).toContain(`downloading ${restarted.baseUrl}train-images-idx3-ubyte.gz`);
      expect(up.stdout).not.toContain('left out');
      const report = JSON.parse(
        (
          await adgap(
            [
              'report',
              /paper-[0-9a-f]{8}/.exec(up.stdout)?.[0] as string,
              '--store',
              join(folder, 'store'),
              '--format',
              'json',
            ],
            {},
          )
        ).stdout,
      ) as { rows: { group: string; ad: unknown }[] };
      // Every row of both groups has its AD: all their runs trained.
      for (const group of ['fmnist', 'gaussian']) {
        const rows = report.rows.filter((r) => r.group === group);
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.ad !== null)).toBe(true);
      }
    } finally {
      await server.stop();
    }
  },
  7_200_000,
);
