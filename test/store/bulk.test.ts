import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { getMany } from '../../src/store/bulk.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { ObjectNotFoundError, type ObjectStore } from '../../src/store/object-store.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'adgap-bulk-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A store that records how many GETs are in flight at once. */
function trackingStore(inner: ObjectStore) {
  const stats = { inFlight: 0, maxInFlight: 0, started: 0 };
  const store: ObjectStore = {
    ...inner,
    uri: inner.uri,
    get: async (key) => {
      stats.started++;
      stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
      try {
        await new Promise((resolve) => setTimeout(resolve, 2));
        return await inner.get(key);
      } finally {
        stats.inFlight--;
      }
    },
  };
  return { store, stats };
}

test('getMany keeps at most `concurrency` GETs in flight', async () => {
  const inner = new LocalFolderStore(root);
  const keys = Array.from({ length: 40 }, (_, i) => `r/${i}.json`);
  await Promise.all(keys.map((k) => inner.put(k, '{}')));
  const { store, stats } = trackingStore(inner);
  await getMany(store, keys, { concurrency: 5 });
  expect(stats.maxInFlight).toBe(5);
  expect(stats.started).toBe(40);
});

test('getMany stops issuing GETs after one fails', async () => {
  const inner = new LocalFolderStore(root);
  const keys = Array.from({ length: 40 }, (_, i) => `r/${i}.json`);
  await Promise.all(keys.slice(1).map((k) => inner.put(k, '{}')));
  const { store, stats } = trackingStore(inner);
  await expect(getMany(store, keys, { concurrency: 2 })).rejects.toThrow(ObjectNotFoundError);
  await new Promise((resolve) => setTimeout(resolve, 50));
  // The failed GET's slot is refilled before the failure reaches getMany: two in flight, plus that one.
  expect(stats.started).toBe(3);
});
