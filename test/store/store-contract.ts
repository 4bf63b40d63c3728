import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { getMany } from '../../src/store/bulk.js';
import { ContentCache } from '../../src/store/content-cache.js';
import {
  listAll,
  ObjectExistsError,
  ObjectNotFoundError,
  type ObjectStore,
} from '../../src/store/object-store.js';
import { countingStore } from '../support/counting-store.js';

/** What every ObjectStore adapter must do. `newStore` returns an empty store, a fresh one for every test. */
export function describeStoreContract(name: string, newStore: () => Promise<ObjectStore>): void {
  describe(`${name} (ObjectStore contract)`, () => {
    let cacheRoot: string;
    beforeAll(async () => {
      cacheRoot = await mkdtemp(join(tmpdir(), 'adgap-cache-'));
    });
    afterAll(async () => {
      await rm(cacheRoot, { recursive: true, force: true });
    });

    test('an object put is read back byte for byte', async () => {
      const store = await newStore();
      const bytes = Uint8Array.from({ length: 512 }, (_, i) => (i * 7) % 256);
      await store.put('datasets/d1/x.bin', bytes);
      await store.put('sweeps/s1/sweep.json', '{"name":"é"}\n');
      expect(await store.get('datasets/d1/x.bin')).toEqual(bytes);
      expect(new TextDecoder().decode(await store.get('sweeps/s1/sweep.json'))).toBe('{"name":"é"}\n');
    });

    test('head gives the size of an object and undefined for a missing one', async () => {
      const store = await newStore();
      await store.put('a/b.json', 'four');
      expect(await store.head('a/b.json')).toEqual({ key: 'a/b.json', size: 4 });
      expect(await store.head('a/missing.json')).toBeUndefined();
    });

    test('a plain put replaces an existing object', async () => {
      const store = await newStore();
      await store.put('a/b.json', 'first');
      await store.put('a/b.json', 'second');
      expect(new TextDecoder().decode(await store.get('a/b.json'))).toBe('second');
    });

    test('a write-once put refuses an existing key and keeps the first body', async () => {
      const store = await newStore();
      await store.put('sweeps/s/results/r1.json', 'first', { ifAbsent: true });
      await expect(store.put('sweeps/s/results/r1.json', 'second', { ifAbsent: true })).rejects.toThrow(
        ObjectExistsError,
      );
      expect(new TextDecoder().decode(await store.get('sweeps/s/results/r1.json'))).toBe('first');
    });

    test('of concurrent write-once puts to one key exactly one succeeds', async () => {
      const store = await newStore();
      const outcomes = await Promise.allSettled(
        ['a', 'b', 'c', 'd'].map((body) => store.put('sweeps/s/results/r1.json', body, { ifAbsent: true })),
      );
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [['a', 'b', 'c', 'd'][i]] : []));
      expect(won).toHaveLength(1);
      for (const o of outcomes)
        if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(ObjectExistsError);
      expect(new TextDecoder().decode(await store.get('sweeps/s/results/r1.json'))).toBe(won[0]);
    });

    test('getting a missing key throws ObjectNotFoundError naming the key', async () => {
      const store = await newStore();
      const error = await store.get('sweeps/s/results/nope.json').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ObjectNotFoundError);
      expect((error as Error).message).toContain("'sweeps/s/results/nope.json'");
    });

    test('delete removes an object, and deleting a missing key is no error', async () => {
      const store = await newStore();
      await store.put('a/b.json', 'x');
      await store.delete('a/b.json');
      await store.delete('a/never.json');
      expect(await store.head('a/b.json')).toBeUndefined();
    });

    test('list keeps to its prefix: sweeps/a/ does not list sweeps/ab/', async () => {
      const store = await newStore();
      await Promise.all(
        ['sweeps/a/1.json', 'sweeps/a/2.json', 'sweeps/ab/3.json'].map((k) => store.put(k, 'x')),
      );
      const page = await store.list('sweeps/a/');
      expect(page).toEqual({
        objects: [
          { key: 'sweeps/a/1.json', size: 1 },
          { key: 'sweeps/a/2.json', size: 1 },
        ],
      });
    });

    test('listing 2,500 keys pages through all of them in key order', async () => {
      const store = await newStore();
      const keys = Array.from(
        { length: 2500 },
        (_, i) => `sweeps/s/results/run-${String(i).padStart(5, '0')}.json`,
      );
      const limit = pLimit(16);
      // Put in shuffled order so that key order in listings is the store's doing.
      const shuffled = keys.map((k, i) => ({ k, r: (i * 7919) % 2500 })).sort((a, b) => a.r - b.r);
      await Promise.all(shuffled.map(({ k }) => limit(() => store.put(k, '{}'))));

      const first = await store.list('sweeps/s/results/', { limit: 1000 });
      expect(first.objects.map((o) => o.key)).toEqual(keys.slice(0, 1000));
      expect(first.cursor).toBeDefined();
      const second = await store.list('sweeps/s/results/', { limit: 1000, cursor: first.cursor });
      expect(second.objects.map((o) => o.key)).toEqual(keys.slice(1000, 2000));
      const third = await store.list('sweeps/s/results/', { limit: 1000, cursor: second.cursor });
      expect(third.objects.map((o) => o.key)).toEqual(keys.slice(2000));
      expect(third.cursor).toBeUndefined();

      const all: string[] = [];
      for await (const o of listAll(store, 'sweeps/s/results/')) all.push(o.key);
      expect(all).toEqual(keys);
    }, 180_000);

    test('getMany returns the bodies in the order of the keys', async () => {
      const store = await newStore();
      const keys = Array.from({ length: 50 }, (_, i) => `sweeps/s/results/r${i}.json`);
      await Promise.all(keys.map((k, i) => store.put(k, String(i))));
      const bodies = await getMany(store, [...keys].reverse(), { concurrency: 4 });
      expect(bodies.map((b) => new TextDecoder().decode(b))).toEqual(keys.map((_, i) => String(49 - i)));
    });

    test('the dataset cache serves a second read without a GET', async () => {
      const inner = await newStore();
      const bytes = Uint8Array.from({ length: 4096 }, (_, i) => i % 253);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      await inner.put('datasets/d1/train.bin', bytes);
      const store = countingStore(inner);
      const cache = new ContentCache(join(cacheRoot, `cache-${Math.random().toString(36).slice(2)}`));

      expect(await cache.get(store, 'datasets/d1/train.bin', sha256)).toEqual(bytes);
      expect(store.gets).toBe(1);
      expect(await cache.get(store, 'datasets/d1/train.bin', sha256)).toEqual(bytes);
      expect(store.gets).toBe(1);
    });
  });
}
