import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import {
  fashionFiles,
  md5,
  type SourceServer,
  startSourceServer,
  writeSourcesFile,
} from '../support/source-server.js';

/**
 * `adgap paper` on a machine without Debian's Fashion-MNIST folder: its published location is a local server
 * (ADGAP_DATASET_SOURCES with no system folder, docs/datasets.md) and the download cache a fresh folder.
 */
const FILES = fashionFiles({ train: 2, test: 1 });
/** The line under a group in the paper's plan: where it trains, or why not. */
const lineOf = (stdout: string, group: string) =>
  new RegExp(` {2}${group} +\\d+ runs {2}wall time: .*\\n +(.*)`).exec(stdout)?.[1];

let folder: string;
let server: SourceServer;
let cacheCount = 0;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-paper-sources-'));
  server = await startSourceServer(FILES);
});
afterAll(async () => {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
});

/** The environment of a fresh machine whose fmnist files are served from `baseUrl` (with `md5Of`'s checksums). */
async function freshMachine(baseUrl: string, md5Of?: (name: string, bytes: Uint8Array) => string) {
  cacheCount += 1;
  const sources = await writeSourcesFile({
    path: join(folder, `sources-${cacheCount}.json`),
    group: 'fmnist',
    baseUrl,
    files: FILES,
    ...(md5Of ? { md5Of } : {}),
  });
  return { ADGAP_DATASET_SOURCES: sources, ADGAP_SOURCE_CACHE: join(folder, `cache-${cacheCount}`) };
}

describe('adgap paper --plan checks each group’s source before it says "runs now"', () => {
  it('says how much it downloads first, and from where', async () => {
    const env = await freshMachine(server.baseUrl);
    const out = await adgap(['paper', '--plan', '--store', join(folder, 'plan-store')], env);
    expect(out.code, out.stderr).toBe(0);
    const total = [...FILES.values()].reduce((sum, bytes) => sum + bytes.length, 0);
    expect(lineOf(out.stdout, 'fmnist')).toBe(
      `runs now; downloads ${(total / 1e6).toFixed(1)} MB first from ${server.baseUrl.slice(0, -1)}`,
    );
    expect(lineOf(out.stdout, 'gaussian')).toBe('runs now');
    // A plan downloads nothing: it asked (HEAD) for each file.
    expect(out.stderr).not.toContain('downloading');
  });

  it('says a group whose source cannot be had does not run now, why, and what fixes it (exit 0: a plan)', async () => {
    const closed = await startSourceServer(FILES);
    await closed.stop();
    const env = await freshMachine(closed.baseUrl);
    const out = await adgap(['paper', '--plan', '--store', join(folder, 'plan-store')], env);
    expect(out.code, out.stderr).toBe(0);
    expect(lineOf(out.stdout, 'fmnist')).toMatch(
      new RegExp(
        `^not run now: fmnist: cannot reach ${closed.baseUrl}train-images-idx3-ubyte\\.gz \\(connect ECONNREFUSED [^)]+\\); .*'adgap data prepare fmnist --R 1,2,5,10 --source FOLDER'`,
      ),
    );
    expect(lineOf(out.stdout, 'mnist')).toBe('runs now');
  });

  it('needs no source for a group whose datasets the store holds', async () => {
    // Files big enough for the paper's sizes (4,000 + 1,000 per class to train, 1,000 to test), served once to
    // prepare the store, then gone.
    const paperSized = fashionFiles({ train: 5000, test: 1000 });
    const once = await startSourceServer(paperSized);
    const store = join(folder, 'prepared-store');
    const sources = await writeSourcesFile({
      path: join(folder, 'paper-sized.json'),
      group: 'fmnist',
      baseUrl: once.baseUrl,
      files: paperSized,
    });
    const prepared = await adgap(['data', 'prepare', 'fmnist', '--R', '1,2,5,10', '--store', store], {
      ADGAP_DATASET_SOURCES: sources,
      ADGAP_SOURCE_CACHE: join(folder, 'paper-sized-cache'),
    });
    expect(prepared.code, prepared.stderr).toBe(0);
    await once.stop();
    const plan = await adgap(['paper', '--plan', '--store', store], await freshMachine(once.baseUrl));
    expect(lineOf(plan.stdout, 'fmnist')).toBe('runs now (its datasets are in the store)');
  });
});

describe('adgap paper leaves out a group whose source cannot be had, says why, and exits 3', () => {
  it('lists the group with its reason when the published location is down', async () => {
    const closed = await startSourceServer(FILES);
    await closed.stop();
    const out = await adgap(
      ['paper', '--groups', 'fmnist', '--store', join(folder, 'down-store')],
      await freshMachine(closed.baseUrl),
    );
    expect(out.code, out.stderr).toBe(3);
    expect(out.stdout).toMatch(
      /\nleft out now \(their runs are missing from the report; run again once fixed, the sweep resumes\):\n {2}fmnist: not run now: fmnist: cannot reach .*--source FOLDER'.*\n$/,
    );
    // The plan and the report were printed before: the sweep is stored, nothing of fmnist trained.
    expect(out.stdout).toMatch(/^sweep: paper-[0-9a-f]{8}$/m);
  });

  it('lists the group when its download fails the checksum, though the location answered the plan', async () => {
    const env = await freshMachine(server.baseUrl, () => '0'.repeat(32));
    const out = await adgap(['paper', '--groups', 'fmnist', '--store', join(folder, 'md5-store')], env);
    expect(out.code, out.stderr).toBe(3);
    expect(lineOf(out.stdout, 'fmnist')).toMatch(/^runs now; downloads .* MB first from /);
    const first = FILES.get('train-images-idx3-ubyte.gz') as Uint8Array;
    expect(out.stdout).toContain(
      `  fmnist: not run now: fmnist: ${server.baseUrl}train-images-idx3-ubyte.gz sent a file with md5 ${md5(first)}, not its published ${'0'.repeat(32)}`,
    );
  });
});
