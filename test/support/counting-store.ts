import type { ObjectStore } from '../../src/store/object-store.js';

/** A store that counts the GETs it passes on to `inner`. */
export function countingStore(inner: ObjectStore): ObjectStore & { gets: number } {
  const counted = {
    uri: inner.uri,
    gets: 0,
    get: (key: string) => {
      counted.gets++;
      return inner.get(key);
    },
    head: (key: string) => inner.head(key),
    put: (key: string, body: Uint8Array | string, options?: { ifAbsent?: boolean }) =>
      inner.put(key, body, options),
    list: (prefix: string, options?: { cursor?: string; limit?: number }) => inner.list(prefix, options),
    delete: (key: string) => inner.delete(key),
    assertWriteOnce: () => inner.assertWriteOnce(),
  };
  return counted;
}
