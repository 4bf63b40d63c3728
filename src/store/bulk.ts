import pLimit from 'p-limit';
import type { ObjectStore } from './object-store.js';

/**
 * Requests in flight when loading many small objects (results). With a 20 ms round trip per GET, 32 in flight
 * load results about 9 times faster than one by one, and 64 no faster (bench/store-load.ts, docs/store.md);
 * it also stays under the 50 sockets of the SDK's default connection pool.
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
