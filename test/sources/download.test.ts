import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { create } from 'tar';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readImageSource } from '../../src/sources/image-source.js';
import { PUBLISHED_SOURCES, publishedSource } from '../../src/sources/published.js';
import { cifarBatch, useTempDirs } from '../datasets/fixtures.js';
import {
  fashionFiles,
  md5,
  type SourceServer,
  startSourceServer,
  writeFiles,
  writeSourcesFile,
} from '../support/source-server.js';

/**
 * The download path of a machine without Debian's dataset-fashion-mnist: ADGAP_DATASET_SOURCES (the documented
 * way to name a mirror) points Fashion-MNIST at a local server and lists no system folder; ADGAP_SOURCE_CACHE
 * is a fresh folder. This machine's /usr/share/datasets/fashion-mnist is never read here.
 */
const tempDir = useTempDirs();
const FILES = fashionFiles({ train: 3, test: 2 });

let server: SourceServer;
let cache: string;
let sourcesPath: string;
beforeEach(async () => {
  server = await startSourceServer(FILES);
  cache = await tempDir();
  sourcesPath = join(await tempDir(), 'sources.json');
  await writeSourcesFile({ path: sourcesPath, group: 'fmnist', baseUrl: server.baseUrl, files: FILES });
  vi.stubEnv('ADGAP_DATASET_SOURCES', sourcesPath);
  vi.stubEnv('ADGAP_SOURCE_CACHE', cache);
  // The progress lines go to stderr; the tests read what the download did from the server and the cache.
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(async () => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  await server.stop();
});

describe('Fashion-MNIST without --source and without the Debian folder', () => {
  it('downloads the four files, checks them and reads them, then reads the cache without asking again', async () => {
    const source = await readImageSource('fmnist');
    expect(server.requests.sort()).toEqual([...FILES.keys()].sort());
    expect(source.set.featureShape).toEqual([784]);
    expect([...source.set.train.labels.subarray(0, 12)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(source.set.test.images[784 * 13]).toBe((13 * 7) % 256);
    expect((await readdir(join(cache, 'fmnist'))).sort()).toEqual([...FILES.keys()].sort());
    const again = await readImageSource('fmnist');
    expect(server.requests).toHaveLength(4);
    expect(again.files).toEqual(source.files);
  });

  it('downloads a damaged cached file again', async () => {
    await readImageSource('fmnist');
    await writeFile(join(cache, 'fmnist', 't10k-labels-idx1-ubyte.gz'), 'not the file');
    await readImageSource('fmnist');
    expect(server.requests.slice(4)).toEqual(['t10k-labels-idx1-ubyte.gz']);
  });

  it('refuses a file whose md5 is not the published one, naming the URL, both checksums and --source', async () => {
    await writeSourcesFile({
      path: sourcesPath,
      group: 'fmnist',
      baseUrl: server.baseUrl,
      files: FILES,
      md5Of: (name, bytes) => (name === 'train-labels-idx1-ubyte.gz' ? '0'.repeat(32) : md5(bytes)),
    });
    const error = await readImageSource('fmnist').catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `fmnist: ${server.baseUrl}train-labels-idx1-ubyte.gz sent a file with md5 ${md5(FILES.get('train-labels-idx1-ubyte.gz') as Uint8Array)}, not its published ${'0'.repeat(32)} (damaged or not the published file); nothing was kept; ${expectedInstead}`,
    );
    expect(await readdir(join(cache, 'fmnist'))).toEqual(['train-images-idx3-ubyte.gz']);
  });

  it('refuses a truncated body, naming the URL and how much arrived, and keeps nothing of it', async () => {
    server.truncate.add('t10k-images-idx3-ubyte.gz');
    const size = (FILES.get('t10k-images-idx3-ubyte.gz') as Uint8Array).length;
    const error = (await readImageSource('fmnist').catch((e: Error) => e)) as Error;
    expect(error.message).toMatch(
      new RegExp(
        `^fmnist: the download of ${server.baseUrl}t10k-images-idx3-ubyte\\.gz (broke off after|is truncated:) ${size >> 1} of ${size} bytes.*; nothing was kept; install the Debian package`,
      ),
    );
    expect(error.message).toContain("--source FOLDER'");
    expect(error.message).not.toContain('\n');
    expect((await readdir(join(cache, 'fmnist'))).sort()).toEqual([
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
    ]);
  });

  it('says a refused connection is one, naming the URL and --source', async () => {
    await server.stop();
    await expect(readImageSource('fmnist')).rejects.toThrow(
      new RegExp(
        `^fmnist: cannot download ${server.baseUrl}train-images-idx3-ubyte\\.gz \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\); install the Debian package .*'adgap data prepare fmnist --R 1,2,5,10 --source FOLDER'`,
      ),
    );
  });

  it('names an HTTP error with its status', async () => {
    const missing = new Map(FILES);
    await writeSourcesFile({
      path: sourcesPath,
      group: 'fmnist',
      baseUrl: `${server.baseUrl}elsewhere/`,
      files: missing,
    });
    await expect(readImageSource('fmnist')).rejects.toThrow(
      `fmnist: cannot download ${server.baseUrl}elsewhere/train-images-idx3-ubyte.gz (HTTP 404 Not Found); `,
    );
  });

  it('reads a system folder that holds the files (Debian’s place) before downloading anything', async () => {
    const folder = await tempDir();
    await writeFiles(folder, FILES);
    await writeSourcesFile({
      path: sourcesPath,
      group: 'fmnist',
      baseUrl: server.baseUrl,
      files: FILES,
      folders: [join(folder, 'absent'), folder],
    });
    const source = await readImageSource('fmnist');
    expect(server.requests).toEqual([]);
    expect(source.set.train.labels).toHaveLength(30);
  });

  it('reads --source even when the published location cannot be reached', async () => {
    await server.stop();
    const folder = await tempDir();
    await writeFiles(folder, FILES);
    expect((await readImageSource('fmnist', folder)).set.test.labels).toHaveLength(20);
  });
});

describe('CIFAR-10 without --source', () => {
  it('downloads the archive through the same cache and checks it against its md5', async () => {
    const dir = await tempDir();
    await mkdir(join(dir, 'cifar-10-batches-bin'));
    for (const name of [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat('test_batch.bin'))
      await writeFile(
        join(dir, 'cifar-10-batches-bin', name),
        cifarBatch([3, 5, 3], (r) => r),
      );
    await create({ gzip: true, file: join(dir, 'cifar-10-binary.tar.gz'), cwd: dir, portable: true }, [
      'cifar-10-batches-bin',
    ]);
    const archive = new Uint8Array(await readFile(join(dir, 'cifar-10-binary.tar.gz')));
    const files = new Map([['cifar-10-binary.tar.gz', archive]]);
    const cifarServer = await startSourceServer(files);
    try {
      await writeSourcesFile({ path: sourcesPath, group: 'cifar10', baseUrl: cifarServer.baseUrl, files });
      const source = await readImageSource('cifar10');
      expect(source.set.train.labels).toHaveLength(15);
      expect(source.files).toEqual([{ name: 'cifar-10-binary.tar.gz', sha256: expect.any(String) }]);
      await readImageSource('cifar10');
      expect(cifarServer.requests).toEqual(['cifar-10-binary.tar.gz']);
      expect(await readdir(join(cache, 'cifar10'))).toEqual(['cifar-10-binary.tar.gz']);
    } finally {
      await cifarServer.stop();
    }
  });
});

describe('ADGAP_DATASET_SOURCES', () => {
  it('reads the example docs/datasets.md shows, a mirror with the published checksums', async () => {
    const doc = await readFile(new URL('../../docs/datasets.md', import.meta.url), 'utf8');
    const example = /### Another location: ADGAP_DATASET_SOURCES[\s\S]*?```json\n([\s\S]*?)\n```/.exec(
      doc,
    )?.[1];
    await writeFile(sourcesPath, example as string);
    const source = await publishedSource('fmnist', sourcesPath);
    expect(source.folders).toEqual([]);
    expect(source.files.map((f) => [f.name, f.md5])).toEqual(
      PUBLISHED_SOURCES.fmnist.files.map((f) => [f.name, f.md5]),
    );
    expect(source.files.every((f) => f.url.startsWith('http://mirror.example.org/fmnist/'))).toBe(true);
  });

  it('leaves the published location of a group it does not name', async () => {
    expect(await publishedSource('cifar10', sourcesPath)).toEqual(PUBLISHED_SOURCES.cifar10);
    expect(PUBLISHED_SOURCES.fmnist.files.map((f) => f.url)[0]).toBe(
      'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/train-images-idx3-ubyte.gz',
    );
  });

  it('refuses an entry that lists other files than the readers look for, naming them', async () => {
    const two = new Map([...FILES].slice(0, 2));
    await writeSourcesFile({ path: sourcesPath, group: 'fmnist', baseUrl: server.baseUrl, files: two });
    await expect(publishedSource('fmnist', sourcesPath)).rejects.toThrow(
      /^ADGAP_DATASET_SOURCES: '.*sources\.json': fmnist must list the files train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz \(got train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz\)$/,
    );
  });

  it('refuses an unknown group, a bad checksum and a file that is not JSON', async () => {
    await writeFile(sourcesPath, JSON.stringify({ mnist: { files: [] } }));
    await expect(publishedSource('fmnist', sourcesPath)).rejects.toThrow(/ADGAP_DATASET_SOURCES: .*mnist/);
    await writeFile(
      sourcesPath,
      JSON.stringify({ fmnist: { files: [{ name: 'a.gz', url: 'http://127.0.0.1/a.gz', md5: 'xyz' }] } }),
    );
    await expect(publishedSource('fmnist', sourcesPath)).rejects.toThrow(/at fmnist\.files\.0\.md5: /);
    await writeFile(sourcesPath, '{');
    await expect(publishedSource('fmnist', sourcesPath)).rejects.toThrow(/cannot read '.*' as JSON/);
  });
});

const expectedInstead =
  'install the Debian package dataset-fashion-mnist (files in /usr/share/datasets/fashion-mnist), or get the four IDX(.gz) files that https://github.com/zalandoresearch/fashion-mnist lists by other means and run ' +
  "'adgap data prepare fmnist --R 1,2,5,10 --source FOLDER' (with the sweep's --store)";
