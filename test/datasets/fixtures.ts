import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { loadDataset } from '../../src/datasets/load.js';
import { prepareDatasets } from '../../src/datasets/prepare.js';
import type { DatasetRef, LoadedDataset } from '../../src/datasets/types.js';
import { readImageSource } from '../../src/sources/image-source.js';
import type { ContentCache } from '../../src/store/content-cache.js';
import type { ObjectStore } from '../../src/store/object-store.js';

/** An IDX file of unsigned bytes, written by hand from the format description. */
export function idxBytes(shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, 0x08, shape.length]);
  for (const [i, n] of shape.entries()) view.setUint32(4 + 4 * i, n, false);
  out.set(data, 4 + 4 * shape.length);
  return out;
}

/** A CIFAR-10 binary batch: per record one label byte and 3072 pixel bytes. */
export function cifarBatch(labels: number[], pixel: (record: number, offset: number) => number): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, r) => {
    out[r * 3073] = label;
    for (let i = 0; i < 3072; i++) out[r * 3073 + 1 + i] = pixel(r, i);
  });
  return out;
}

/** A fresh temporary folder per call, removed after the test. */
export function useTempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'adgap-datasets-'));
    made.push(dir);
    return dir;
  };
}

/** `ref` prepared into `store` as `adgap sweep run` prepares it (default sources), then loaded as a job loads it. */
export async function preparedDataset(
  store: ObjectStore,
  ref: DatasetRef,
  cache?: ContentCache,
): Promise<LoadedDataset> {
  await prepareDatasets(store, [ref], readImageSource);
  return loadDataset(store, ref, cache);
}
