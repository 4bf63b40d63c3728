import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ChecksumMismatchError, ContentCache } from '../../src/store/content-cache.js';
import { LocalFolderStore } from '../../src/store/local-folder.js';
import { countingStore } from '../support/counting-store.js';

const bytes = new TextEncoder().encode('label,x\n0,1.5\n1,-2\n');
const sha256 = createHash('sha256').update(bytes).digest('hex');

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'adgap-content-cache-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('ContentCache', () => {
  test('an object whose bytes differ from the expected sha256 is refused and not cached', async () => {
    const store = countingStore(new LocalFolderStore(join(root, 'store')));
    await store.put('datasets/d/train.csv', bytes);
    const cache = new ContentCache(join(root, 'cache'));
    const wrong = '0'.repeat(64);
    await expect(cache.get(store, 'datasets/d/train.csv', wrong)).rejects.toThrow(ChecksumMismatchError);
    await expect(cache.get(store, 'datasets/d/train.csv', wrong)).rejects.toThrow(`has sha256 ${sha256}`);
    expect(store.gets).toBe(2);
  });

  test('a damaged cache file is downloaded again and replaced', async () => {
    const store = countingStore(new LocalFolderStore(join(root, 'store')));
    await store.put('datasets/d/train.csv', bytes);
    const cache = new ContentCache(join(root, 'cache'));
    await cache.get(store, 'datasets/d/train.csv', sha256);
    await writeFile(join(root, 'cache', sha256.slice(0, 2), sha256), 'truncated');

    expect(await cache.get(store, 'datasets/d/train.csv', sha256)).toEqual(bytes);
    expect(await cache.get(store, 'datasets/d/train.csv', sha256)).toEqual(bytes);
    expect(store.gets).toBe(2);
  });

  test('the cache folder holds one file per content, named by its sha256, and no temporary file', async () => {
    const store = new LocalFolderStore(join(root, 'store'));
    await store.put('datasets/a/train.csv', bytes);
    await store.put('datasets/b/train.csv', bytes);
    const cache = new ContentCache(join(root, 'cache'));
    await Promise.all([
      cache.get(store, 'datasets/a/train.csv', sha256),
      cache.get(store, 'datasets/b/train.csv', sha256),
    ]);
    expect(await readdir(join(root, 'cache', sha256.slice(0, 2)))).toEqual([sha256]);
  });

  test('a sha256 that is not 64 lowercase hex digits is refused before any read', async () => {
    const store = countingStore(new LocalFolderStore(join(root, 'store')));
    const cache = new ContentCache(join(root, 'cache'));
    await expect(cache.get(store, 'datasets/d/train.csv', sha256.toUpperCase())).rejects.toThrow(/sha256/);
    expect(store.gets).toBe(0);
  });
});
