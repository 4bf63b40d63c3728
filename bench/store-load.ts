/**
 * How long aggregation takes to load the results of a 10,000-run sweep: list them (paginated), then GET them
 * one by one or with getMany at several concurrencies. Against s3rver on 127.0.0.1, where a request costs
 * server CPU but no network time, then with a simulated 20 ms round trip per GET (AWS S3 from inside the
 * region answers small GETs in roughly 10-30 ms), and against a local folder.
 * Run: npx tsx bench/store-load.ts [count]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { getMany } from '../src/store/bulk.js';
import { LocalFolderStore } from '../src/store/local-folder.js';
import { listAll, type ObjectStore } from '../src/store/object-store.js';
import { startS3TestServer } from '../test/support/s3-test-server.js';

const count = Number(process.argv[2] ?? 10_000);

/** About the size of a real result: a run spec, metrics per class, a few hundred bytes of history. */
function resultBody(i: number): string {
  const history = Array.from({ length: 20 }, (_, e) => ({ epoch: e, validationLoss: 1 / (e + 1 + i) }));
  return JSON.stringify({ runId: `run-${i}`, accuracy: { majority: 0.9, minority: 0.7 }, history });
}

async function seconds(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return (performance.now() - start) / 1000;
}

/** `store` with `ms` of waiting before every GET: a network round trip that loopback does not have. */
function withRoundTrip(store: ObjectStore, ms: number): ObjectStore {
  return {
    uri: store.uri,
    get: async (key) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return store.get(key);
    },
    head: (key) => store.head(key),
    put: (key, body, options) => store.put(key, body, options),
    list: (prefix, options) => store.list(prefix, options),
    delete: (key) => store.delete(key),
    assertWriteOnce: () => store.assertWriteOnce(),
  };
}

async function measure(
  name: string,
  store: ObjectStore,
  count: number,
  concurrencies: number[],
): Promise<void> {
  const keys = Array.from(
    { length: count },
    (_, i) => `sweeps/bench/results/run-${String(i).padStart(6, '0')}.json`,
  );
  const limit = pLimit(32);
  const putSeconds = await seconds(() =>
    Promise.all(keys.map((k, i) => limit(() => store.put(k, resultBody(i))))),
  );
  console.log(`${name}: wrote ${count} results in ${putSeconds.toFixed(1)} s (32 in flight)`);

  const listed: string[] = [];
  const listSeconds = await seconds(async () => {
    for await (const o of listAll(store, 'sweeps/bench/results/')) listed.push(o.key);
  });
  console.log(`${name}: listed ${listed.length} keys in ${listSeconds.toFixed(2)} s`);

  for (const concurrency of concurrencies) {
    const loadSeconds = await seconds(() => getMany(store, listed, { concurrency }));
    console.log(
      `${name}: loaded ${count} results at concurrency ${concurrency} in ${loadSeconds.toFixed(2)} s ` +
        `(${Math.round(count / loadSeconds)} results/s)`,
    );
  }
}

const server = await startS3TestServer();
const folder = await mkdtemp(join(tmpdir(), 'adgap-bench-store-'));
try {
  await measure('s3rver', server.store('bench'), count, [1, 8, 32, 64]);
  // A tenth of the results: one by one, each GET waits out its round trip, and 10,000 would take minutes.
  await measure('s3rver + 20 ms', withRoundTrip(server.store('bench-rtt'), 20), count / 10, [1, 8, 32, 64]);
  await measure('local folder', new LocalFolderStore(folder), count, [1, 8, 32, 64]);
} finally {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
}
