import { AdgapError, ValidationError } from '../errors.js';

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ListPage {
  objects: ObjectInfo[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  cursor?: string;
}

/**
 * Where datasets, sweeps and results live: a local folder (the embedded default) or S3. Keys are
 * `/`-separated relative paths checked by `assertKey`.
 */
export interface ObjectStore {
  /** The URI this store was opened from, for messages and for child processes. */
  readonly uri: string;
  /** The object's bytes; throws ObjectNotFoundError naming the key. */
  get(key: string): Promise<Uint8Array>;
  /** Metadata, or undefined when there is no such object. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Writes atomically: readers see the old object or the new one, never part of one. With `ifAbsent`, throws
   * ObjectExistsError when the key already exists (write-once results: a duplicated job cannot replace a result).
   */
  put(key: string, body: Uint8Array | string, options?: { ifAbsent?: boolean }): Promise<void>;
  /** One page of the objects under a prefix, in key order. */
  list(prefix: string, options?: { cursor?: string; limit?: number }): Promise<ListPage>;
  delete(key: string): Promise<void>;
  /**
   * Throws when this store cannot keep write-once puts write-once (an S3-compatible server that ignores
   * If-None-Match). A sweep calls it before writing anything, so such a store is refused before any upload.
   */
  assertWriteOnce(): Promise<void>;
}

export class ObjectNotFoundError extends AdgapError {
  override readonly name = 'ObjectNotFoundError';
  constructor(
    readonly storeUri: string,
    readonly key: string,
  ) {
    super(`no object '${key}' in store ${storeUri}`);
  }
}

export class ObjectExistsError extends AdgapError {
  override readonly name = 'ObjectExistsError';
  constructor(
    readonly storeUri: string,
    readonly key: string,
  ) {
    super(`object '${key}' already exists in store ${storeUri} and is write-once`);
  }
}

/** One segment of an object key; run ids are one (a result's key ends in `<runId>.json`). */
export const KEY_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._=-]*$/;

/** Keys are relative paths of safe segments: no `..`, no leading `/`, no empty segment, no odd characters. */
export function assertKey(key: string): void {
  const segments = key.split('/');
  if (key.length > 900 || segments.some((s) => !KEY_SEGMENT.test(s) || s.includes('..'))) {
    throw new ValidationError(
      'key',
      `'${key}' is not a valid object key (segments of [A-Za-z0-9._=-], no '..')`,
    );
  }
}

/** Every object under a prefix, page by page. */
export async function* listAll(store: ObjectStore, prefix: string): AsyncGenerator<ObjectInfo> {
  let cursor: string | undefined;
  do {
    const page = await store.list(prefix, cursor === undefined ? {} : { cursor });
    yield* page.objects;
    cursor = page.cursor;
  } while (cursor !== undefined);
}

export async function getJson<T>(store: ObjectStore, key: string): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await store.get(key))) as T;
}

export async function putJson(
  store: ObjectStore,
  key: string,
  value: unknown,
  options?: { ifAbsent?: boolean },
): Promise<void> {
  await store.put(key, `${JSON.stringify(value, null, 2)}\n`, options);
}
