import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeNpy } from '../../src/datasets/npy.js';
import { readWeights, storeWeights } from '../../src/results/kept-weights.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import type { ObjectStore } from '../../src/store/object-store.js';
import type { ModelWeights } from '../../src/train/kept-weights.js';
import { s3StorePerTest } from '../support/s3-stores.js';

const s3Store = s3StorePerTest();
const STORES: [string, () => Promise<ObjectStore>][] = [
  ['a local folder', async () => new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-weights-')))],
  ['S3', s3Store],
];

/** A linear model's weights, d = 3: 2 x (d + 1) floats. */
const weights: ModelWeights = {
  widths: [3, 2],
  values: Float32Array.of(0.5, -1, 2, 0.25, 1e-8, 3, -0.125, 7),
};

describe.each(STORES)('kept weights in %s', (_name, open) => {
  it('round-trip as a float32 .npy named by its sha256, checked on read', async () => {
    const store = await open();
    const stored = await storeWeights(store, 'w-01234567', 'run-a', weights);
    expect(stored.key).toBe(`sweeps/w-01234567/weights/run-a.${stored.sha256.slice(0, 16)}.npy`);
    expect(stored.widths).toEqual([3, 2]);
    const npy = decodeNpy(await store.get(stored.key), stored.key);
    expect(npy).toMatchObject({ dtype: 'float32', shape: [8] });
    expect(await readWeights(store, stored)).toEqual(weights);
    // A second copy of the job storing the same bytes finds them there (write-once, same key).
    expect(await storeWeights(store, 'w-01234567', 'run-a', weights)).toEqual(stored);
  });

  it('refuses weights whose bytes are not the ones the result recorded', async () => {
    const store = await open();
    const stored = await storeWeights(store, 'w-01234567', 'run-a', weights);
    const other = await storeWeights(store, 'w-01234567', 'run-a', {
      ...weights,
      values: weights.values.map((v) => v + 1),
    });
    expect(other.key).not.toBe(stored.key);
    await expect(readWeights(store, { ...stored, key: other.key })).rejects.toThrow(
      `${other.key}: sha256 ${other.sha256}, the result recorded ${stored.sha256}`,
    );
    await expect(readWeights(store, { ...stored, widths: [4, 2] })).rejects.toThrow('layers 4-2 need 10');
  });
});
