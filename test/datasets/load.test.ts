import { describe, expect, it } from 'vitest';
import { datasetId } from '../../src/datasets/dataset-id.js';
import { readManifest } from '../../src/datasets/load.js';
import { decodeNpy } from '../../src/datasets/npy.js';
import { type DatasetRef, SPLIT_NAMES } from '../../src/datasets/types.js';
import { ContentCache } from '../../src/store/content-cache.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { preparedDataset, useTempDirs } from './fixtures.js';

const tempDir = useTempDirs();
const SIZES = { train: 100, validation: 20, test: 20 };
const gaussian: DatasetRef = {
  group: 'gaussian',
  R: 5,
  dataSeed: 1,
  sizes: SIZES,
  synthetic: { dim: 4, meanNonZero: 2, meanValue: 1, noiseScale: 2 },
};
const mnist: DatasetRef = { group: 'mnist', R: 2, dataSeed: 0, sizes: SIZES };

describe('loadDataset', () => {
  it('gives pixels as stored uint8 / 255, in [0, 1]', async () => {
    const store = new LocalFolderStore(await tempDir());
    const loaded = await preparedDataset(store, mnist);
    const key = `datasets/${datasetId(mnist)}/validation-x.npy`;
    const stored = decodeNpy(await store.get(key), key).data;
    expect(loaded.pixelRange).toBe(true);
    expect(loaded.featureShape).toEqual([784]);
    expect(loaded.splits.validation.x).toEqual(Float32Array.from(stored, (v) => Math.fround(v / 255)));
    expect(Math.max(...loaded.splits.validation.x)).toBe(1);
    expect(Math.min(...loaded.splits.validation.x)).toBe(0);
  });

  it('gives synthetic features as stored, with labels 0 for the majority class first', async () => {
    const store = new LocalFolderStore(await tempDir());
    const loaded = await preparedDataset(store, gaussian);
    expect(loaded.pixelRange).toBe(false);
    expect([...loaded.splits.train.y]).toEqual([...Array(100).fill(0), ...Array(20).fill(1)]);
    const key = `datasets/${datasetId(gaussian)}/train-x.npy`;
    expect(loaded.splits.train.x).toEqual(decodeNpy(await store.get(key), key).data);
  });

  it('no loaded sample appears in two splits', async () => {
    const store = new LocalFolderStore(await tempDir());
    const { splits, featureShape } = await preparedDataset(store, gaussian);
    const d = featureShape[0] as number;
    const rows = (name: 'train' | 'validation' | 'testBalanced') =>
      Array.from({ length: splits[name].count }, (_, i) =>
        splits[name].x.subarray(i * d, (i + 1) * d).join(),
      );
    const all = [...rows('train'), ...rows('validation'), ...rows('testBalanced')];
    expect(new Set(all).size).toBe(all.length);
  });

  it('with a cache, a second load reads no array file from the store', async () => {
    const store = new LocalFolderStore(await tempDir());
    const cache = new ContentCache(await tempDir());
    const first = await preparedDataset(store, gaussian, cache);
    const arrayGets: string[] = [];
    const get = store.get.bind(store);
    store.get = (key) => {
      if (key.endsWith('.npy')) arrayGets.push(key);
      return get(key);
    };
    const second = await preparedDataset(store, gaussian, cache);
    expect(arrayGets).toEqual([]);
    expect(second.splits).toEqual(first.splits);
  });

  it('with a cache, a changed file in the store fails with the same message', async () => {
    const store = new LocalFolderStore(await tempDir());
    await preparedDataset(store, gaussian);
    const key = `datasets/${datasetId(gaussian)}/validation-x.npy`;
    const bytes = await store.get(key);
    bytes[bytes.length - 1] = (bytes.at(-1) ?? 0) ^ 1;
    await store.put(key, bytes);
    await expect(preparedDataset(store, gaussian, new ContentCache(await tempDir()))).rejects.toThrow(
      new RegExp(`${key} in .*: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}; delete datasets/`),
    );
  });

  it('fails on a changed byte, naming the file and the checksums', async () => {
    const store = new LocalFolderStore(await tempDir());
    await preparedDataset(store, gaussian);
    const key = `datasets/${datasetId(gaussian)}/testBalanced-y.npy`;
    const bytes = await store.get(key);
    bytes[bytes.length - 1] = 7;
    await store.put(key, bytes);
    await expect(preparedDataset(store, gaussian)).rejects.toThrow(
      new RegExp(`${key} in .*: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}; delete datasets/`),
    );
  });

  it('fails on a truncated file, naming it', async () => {
    const store = new LocalFolderStore(await tempDir());
    await preparedDataset(store, gaussian);
    const key = `datasets/${datasetId(gaussian)}/train-x.npy`;
    const bytes = await store.get(key);
    await store.put(key, bytes.subarray(0, 1000));
    await expect(preparedDataset(store, gaussian)).rejects.toThrow(
      new RegExp(
        `${key} in .*: 1000 bytes, the manifest says ${bytes.length} \\(truncated or replaced file\\)`,
      ),
    );
  });

  it('rejects a manifest that describes another dataset', async () => {
    const store = new LocalFolderStore(await tempDir());
    await preparedDataset(store, gaussian);
    const manifest = await readManifest(store, gaussian);
    const key = `datasets/${datasetId(gaussian)}/manifest.json`;
    await store.put(key, JSON.stringify({ ...manifest, ref: { ...manifest.ref, R: 7 } }));
    await expect(preparedDataset(store, gaussian)).rejects.toThrow(
      /manifest\.json in .*: describes a different dataset/,
    );
  });

  it('every split of the manifest is loaded with its count', async () => {
    const store = new LocalFolderStore(await tempDir());
    const loaded = await preparedDataset(store, gaussian);
    const manifest = await readManifest(store, gaussian);
    for (const name of SPLIT_NAMES) {
      expect(loaded.splits[name].count).toBe(manifest.splits[name].count);
      expect(loaded.splits[name].x.length).toBe(manifest.splits[name].count * 4);
    }
  });
});
