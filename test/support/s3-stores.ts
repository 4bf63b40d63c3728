import { afterAll, beforeAll } from 'vitest';
import type { ObjectStore } from '../../src/store/object-store.js';
import { type S3TestServer, startS3TestServer } from './s3-test-server.js';

/**
 * For a test file whose tests each want an empty store on S3: starts one S3 test server before the file's tests
 * and stops it after them; each call of the returned function gives a store under a new prefix of it.
 */
export function s3StorePerTest(): () => Promise<ObjectStore> {
  let server: S3TestServer;
  let stores = 0;
  beforeAll(async () => {
    server = await startS3TestServer();
  });
  afterAll(() => server?.stop());
  return async () => server.store(`store-${stores++}`);
}
