import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetId } from '../../src/datasets/dataset-id.js';
import { loadDataset, readManifest } from '../../src/datasets/load.js';
import { manifestKey } from '../../src/datasets/manifest.js';
import { decodeNpy } from '../../src/datasets/npy.js';
import { prepareDatasets } from '../../src/datasets/prepare.js';
import { type DatasetRef, SPLIT_NAMES } from '../../src/datasets/types.js';
import { readImageSource } from '../../src/sources/image-source.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { listAll, type ObjectStore } from '../../src/store/object-store.js';
import { cifarBatch, preparedDataset, useTempDirs } from './fixtures.js';

const tempDir = useTempDirs();
const SIZES = { train: 200, validation: 50, test: 50 };
const SYNTHETIC = { dim: 10, meanNonZero: 3, meanValue: 1, noiseScale: 2 };

const synthetic = (group: 'gaussian' | 'cauchy' | 'holtsmark', R: number): DatasetRef => ({
  group,
  R,
  dataSeed: 3,
  sizes: SIZES,
  synthetic: SYNTHETIC,
});
const mnist = (R: number): DatasetRef => ({ group: 'mnist', R, dataSeed: 0, sizes: SIZES });

const ALL_REFS = [1, 5].flatMap((R) => [
  synthetic('gaussian', R),
  synthetic('cauchy', R),
  synthetic('holtsmark', R),
  mnist(R),
]);

async function storeIn(): Promise<LocalFolderStore> {
  return new LocalFolderStore(await tempDir());
}

async function contents(store: ObjectStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const { key } of listAll(store, '')) {
    out.set(
      key,
      createHash('sha256')
        .update(await store.get(key))
        .digest('hex'),
    );
  }
  return out;
}

/** Counts puts per key: tells how often a dataset was actually written. */
function countingStore(inner: ObjectStore): ObjectStore & { puts: Map<string, number> } {
  const puts = new Map<string, number>();
  return {
    uri: inner.uri,
    puts,
    get: (key) => inner.get(key),
    head: (key) => inner.head(key),
    list: (prefix, options) => inner.list(prefix, options),
    delete: (key) => inner.delete(key),
    put: (key, body, options) => {
      puts.set(key, (puts.get(key) ?? 0) + 1);
      return inner.put(key, body, options);
    },
  };
}

describe('prepareDatasets', () => {
  it('two prepares into two stores are byte-identical', async () => {
    const [a, b] = [await storeIn(), await storeIn()];
    await prepareDatasets(a, ALL_REFS, readImageSource);
    await prepareDatasets(b, ALL_REFS, readImageSource);
    const [left, right] = [await contents(a), await contents(b)];
    expect(left.size).toBe(ALL_REFS.length * 9);
    expect(right).toEqual(left);
  });

  it('the manifest records shapes, dtypes, per-class counts, the source and the sha256 of every file', async () => {
    const store = await storeIn();
    await prepareDatasets(store, [mnist(5), synthetic('holtsmark', 2)], readImageSource);
    const image = await readManifest(store, mnist(5));
    expect(image.classes).toEqual(['digit 1', 'digit 7']);
    expect(image.splits.train).toMatchObject({
      count: 240,
      classCounts: [200, 40],
      x: { file: 'train-x.npy', dtype: 'uint8', shape: [240, 784] },
      y: { file: 'train-y.npy', dtype: 'uint8', shape: [240] },
    });
    expect(image.splits.testBalanced.classCounts).toEqual([50, 50]);
    expect(image.scaling).toBe('divide-by-255');
    expect(image.source).toMatchObject({ kind: 'files' });
    expect(image.source.kind === 'files' && image.source.files.map((f) => f.name)).toContain(
      'train-labels-idx1-ubyte',
    );
    const noise = await readManifest(store, synthetic('holtsmark', 2));
    expect(noise.splits.validation).toMatchObject({
      classCounts: [50, 25],
      x: { dtype: 'float32', shape: [75, 10] },
    });
    expect(noise.source).toMatchObject({ kind: 'generator', noise: expect.stringContaining('alpha 1.5') });
    for (const manifest of [image, noise]) {
      for (const name of SPLIT_NAMES) {
        for (const file of [manifest.splits[name].x, manifest.splits[name].y]) {
          const bytes = await store.get(`datasets/${manifest.datasetId}/${file.file}`);
          expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
          expect(bytes.length).toBe(file.bytes);
        }
      }
    }
  });

  it('records eps_max as half the distance between the class means of the R = 1 training split, for every R', async () => {
    const store = await storeIn();
    await prepareDatasets(store, [synthetic('gaussian', 1), synthetic('gaussian', 10)], readImageSource);
    const train = (await loadDataset(store, synthetic('gaussian', 1))).splits.train;
    const mean = (c: number) => {
      const sum = new Array(SYNTHETIC.dim).fill(0);
      for (let i = 0; i < train.count; i++) {
        if (train.y[i] !== c) continue;
        for (let j = 0; j < SYNTHETIC.dim; j++) sum[j] += train.x[i * SYNTHETIC.dim + j] as number;
      }
      return sum.map((s) => s / SIZES.train);
    };
    const [m0, m1] = [mean(0), mean(1)];
    const diff = m0.map((m, j) => Math.abs(m - (m1[j] as number)));
    const expected = { l2: Math.hypot(...diff) / 2, linf: Math.max(...diff) / 2 };
    for (const R of [1, 10]) {
      const { epsMax } = await readManifest(store, synthetic('gaussian', R));
      expect(epsMax.l2).toBeCloseTo(expected.l2, 9);
      expect(epsMax.linf).toBeCloseTo(expected.linf, 9);
    }
  });

  it('does not write a dataset the store already holds', async () => {
    const store = countingStore(await storeIn());
    expect(await prepareDatasets(store, [synthetic('cauchy', 2)], readImageSource)).toEqual([
      { datasetId: datasetId(synthetic('cauchy', 2)), prepared: true },
    ]);
    const putsAfterFirst = [...store.puts.values()].reduce((a, b) => a + b, 0);
    expect(await prepareDatasets(store, [synthetic('cauchy', 2)], readImageSource)).toEqual([
      { datasetId: datasetId(synthetic('cauchy', 2)), prepared: false },
    ]);
    expect([...store.puts.values()].reduce((a, b) => a + b, 0)).toBe(putsAfterFirst);
  });

  it('concurrent opens of one dataset in one process prepare it once', async () => {
    const store = countingStore(await storeIn());
    const ref = synthetic('holtsmark', 5);
    const loaded = await Promise.all([
      preparedDataset(store, ref),
      preparedDataset(store, ref),
      preparedDataset(store, ref),
    ]);
    expect(store.puts.get(manifestKey(datasetId(ref)))).toBe(1);
    expect(loaded[1]).toEqual(loaded[0]);
  });

  it('preparers racing from two processes (two store handles on one folder) leave one valid copy', async () => {
    const root = await tempDir();
    await mkdir(join(root, 'store'));
    await symlink(join(root, 'store'), join(root, 'alias'));
    const [a, b] = [new LocalFolderStore(join(root, 'store')), new LocalFolderStore(join(root, 'alias'))];
    expect(a.uri).not.toBe(b.uri);
    const refs = [synthetic('gaussian', 2), synthetic('cauchy', 2)];
    await Promise.all([prepareDatasets(a, refs, readImageSource), prepareDatasets(b, refs, readImageSource)]);
    for (const ref of refs) await expect(loadDataset(a, ref)).resolves.toMatchObject({ ref });
    expect((await contents(a)).size).toBe(refs.length * 9);
  });

  it('an interrupted prepare (array files but no manifest) is redone', async () => {
    const store = await storeIn();
    const ref = synthetic('gaussian', 2);
    const expected = await preparedDataset(store, ref);
    const id = datasetId(ref);
    await store.delete(manifestKey(id));
    await store.put(`datasets/${id}/train-x.npy`, new Uint8Array([1, 2, 3]));
    expect(await preparedDataset(store, ref)).toEqual(expected);
  });

  it('prepares cifar10 from a --source folder of batches in the official binary format', async () => {
    const dir = await tempDir();
    const batches = join(dir, 'cifar-10-batches-bin');
    await mkdir(batches);
    const names = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`).concat('test_batch.bin');
    for (const [b, name] of names.entries()) {
      await writeFile(
        join(batches, name),
        cifarBatch([3, 5, 3, 5, 0, 9], (r, i) => (b * 40 + r * 3 + i) % 256),
      );
    }
    const store = await storeIn();
    const ref: DatasetRef = {
      group: 'cifar10',
      R: 2,
      dataSeed: 0,
      sizes: { train: 8, validation: 2, test: 2 },
    };
    await prepareDatasets(store, [ref], (group) => readImageSource(group, dir));
    const loaded = await loadDataset(store, ref);
    expect(loaded.featureShape).toEqual([3, 32, 32]);
    expect(loaded.pixelRange).toBe(true);
    expect(loaded.splits.train.count).toBe(12);
    expect(loaded.splits.train.x.length).toBe(12 * 3072);
    expect((await readManifest(store, ref)).classes).toEqual(['cat', 'dog']);
  });

  const numpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!numpy)(
    numpy
      ? 'every .npy loads in NumPy with the manifest shape and the same data'
      : 'every .npy loads in NumPy (SKIPPED: python3 with numpy not found; apt-get install python3-numpy)',
    async () => {
      const root = await tempDir();
      const store = new LocalFolderStore(root);
      const refs = [mnist(2), synthetic('cauchy', 2)];
      await prepareDatasets(store, refs, readImageSource);
      const script = [
        'import sys, json, hashlib, numpy',
        'out = {}',
        'for path in sys.argv[1:]:',
        '    a = numpy.load(path, allow_pickle=False)',
        '    out[path] = [str(a.dtype), list(a.shape), hashlib.sha256(a.tobytes()).hexdigest()]',
        'print(json.dumps(out))',
      ].join('\n');
      const files: Array<{ path: string; dtype: string; shape: number[]; sha256: string }> = [];
      for (const ref of refs) {
        const manifest = await readManifest(store, ref);
        for (const name of SPLIT_NAMES) {
          for (const file of [manifest.splits[name].x, manifest.splits[name].y]) {
            const key = `datasets/${manifest.datasetId}/${file.file}`;
            const data = decodeNpy(await store.get(key), key).data;
            const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
            files.push({
              path: join(root, key),
              dtype: file.dtype,
              shape: file.shape,
              sha256: createHash('sha256').update(raw).digest('hex'),
            });
          }
        }
      }
      const run = spawnSync('python3', ['-c', script, ...files.map((f) => f.path)], { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      const seen = JSON.parse(run.stdout) as Record<string, [string, number[], string]>;
      for (const file of files) expect(seen[file.path]).toEqual([file.dtype, file.shape, file.sha256]);
    },
  );
});
