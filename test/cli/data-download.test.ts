import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adgap } from '../helpers/cli.js';
import {
  fashionFiles,
  type SourceServer,
  startSourceServer,
  writeSourcesFile,
} from '../support/source-server.js';

/**
 * `adgap data prepare fmnist` as on a machine without Debian's package: the published location is a local
 * server (ADGAP_DATASET_SOURCES, no system folder) and the download cache a fresh folder (ADGAP_SOURCE_CACHE).
 */
const FILES = fashionFiles({ train: 12, test: 6 });
const SMALL = ['--R', '2', '--train', '8', '--validation', '4', '--test', '6'];

let folder: string;
let server: SourceServer;
let env: Record<string, string>;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'adgap-data-download-'));
  server = await startSourceServer(FILES);
  const sources = await writeSourcesFile({
    path: join(folder, 'sources.json'),
    group: 'fmnist',
    baseUrl: server.baseUrl,
    files: FILES,
  });
  env = { ADGAP_DATASET_SOURCES: sources, ADGAP_SOURCE_CACHE: join(folder, 'cache') };
});
afterAll(async () => {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
});

describe('adgap data prepare fmnist without --source or the Debian folder', () => {
  it('downloads the files, says so on stderr, prepares the dataset and keeps the files for the next time', async () => {
    const store = join(folder, 'store');
    const out = await adgap(['data', 'prepare', 'fmnist', ...SMALL, '--store', store], env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^fmnist-R2-d0-[0-9a-f]+ {2}prepared {2}eps_max/m);
    for (const name of FILES.keys()) {
      expect(out.stderr).toContain(`downloading ${server.baseUrl}${name} (`);
      expect(out.stderr).toMatch(
        new RegExp(`downloaded [0-9.]+ (kB|MB) from ${server.baseUrl}${name} in \\d+ s`),
      );
    }
    expect((await readdir(join(folder, 'cache', 'fmnist'))).sort()).toEqual([...FILES.keys()].sort());
    const requests = server.requests.length;
    const again = await adgap(['data', 'prepare', 'fmnist', ...SMALL, '--store', join(folder, 'other')], env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toBe('');
    expect(server.requests).toHaveLength(requests);
  });

  it('fails in one line naming the URL and --source when the location cannot be reached, exit 1', async () => {
    const closed = await startSourceServer(FILES);
    await closed.stop();
    const sources = await writeSourcesFile({
      path: join(folder, 'closed.json'),
      group: 'fmnist',
      baseUrl: closed.baseUrl,
      files: FILES,
    });
    const out = await adgap(
      ['data', 'prepare', 'fmnist', ...SMALL, '--store', join(folder, 'closed-store')],
      {
        ADGAP_DATASET_SOURCES: sources,
        ADGAP_SOURCE_CACHE: join(folder, 'empty-cache'),
      },
    );
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      new RegExp(
        `^adgap: fmnist: cannot download ${closed.baseUrl}train-images-idx3-ubyte\\.gz \\(connect ECONNREFUSED [^)]+\\); .*--source FOLDER.*\\n$`,
      ),
    );
  });
});
