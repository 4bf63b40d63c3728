import pLimit from 'p-limit';
import type { ObjectStore } from './object-store.js';

/**
 * Requests in flight when loading many small objects (results). On s3rver, 10,000 results load about N times
 * faster at 32 than one by one (bench/store-load.ts, docs/store.md); the SDK's default pool has 50 sockets.
 */
export const DEFAULT_GET_CONCURRENCY = 32;

/** The bodies of `keys`, in the same order, with at most `concurrency` requests in flight. */
export async function getMany(
  store: ObjectStore,
  keys: readonly string[],
  options: { concurrency?: number } = {},
): Promise<Uint8Array[]> {
  const limit = pLimit(options.concurrency ?? DEFAULT_GET_CONCURRENCY);
  try {
    return await Promise.all(keys.map((key) => limit(() => store.get(key))));
  } catch (error) {
    // One failure fails the whole load; do not issue the thousands of requests still queued.
    limit.clearQueue();
    throw error;
  }
}
