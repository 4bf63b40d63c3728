import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import type { ObjectStore } from '../../src/store/object-store.js';

/**
 * A folder store that answers to an s3:// URI, for the Batch runner, which only passes the URI on to the jobs
 * it submits (and those jobs never run in these tests).
 */
export async function s3UriStore(uri = 's3://adgap-bucket/store'): Promise<ObjectStore> {
  const folder = new LocalFolderStore(await mkdtemp(join(tmpdir(), 'adgap-batch-')));
  return {
    uri,
    get: (key) => folder.get(key),
    head: (key) => folder.head(key),
    put: (key, body, options) => folder.put(key, body, options),
    list: (prefix, options) => folder.list(prefix, options),
    delete: (key) => folder.delete(key),
  };
}
