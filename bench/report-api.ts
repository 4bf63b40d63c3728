/**
 * Latency of the results API on a 10,000-run sweep: the report cold (nothing cached: list, read every
 * result, aggregate, write the cache) and cached (two listings and one read), next to the CLI's uncached
 * aggregation. Numbers go to docs/api.md, not to tests.
 *   npx tsx bench/report-api.ts              a fresh local folder store, deleted afterwards
 *   npx tsx bench/report-api.ts <store-uri>  any store openStore accepts; the synthetic sweep stays there
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/api/app.js';
import { reportFromStore } from '../src/application/report.js';
import { reportCacheKey } from '../src/store/layout.js';
import { openStore } from '../src/store/open-store.js';
import { writeSyntheticSweep } from '../test/helpers/synthetic-sweep.js';

/** 10 datasets x 5 R x 5 modes x 5 seeds x 8 learning rates = 10,000 runs. */
const SWEEP = {
  name: 'bench',
  datasets: Array.from({ length: 10 }, (_, dataSeed) => ({ group: 'gaussian', dataSeed })),
  R: [1, 2, 5, 10, 20],
  seeds: [2, 22, 42, 62, 82],
  learningRates: [0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4],
  modes: ['standard', { norm: 'linf', eps: [0.5, 1] }, { norm: 'l2', eps: [2.5, 5] }],
};
const REPEATS = 5;

async function timeMs(action: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await action();
  return performance.now() - start;
}

async function request(app: ReturnType<typeof createApp>, path: string): Promise<void> {
  const response = await app.request(path);
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  await response.arrayBuffer();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

const given = process.argv[2];
const folder = given === undefined ? await mkdtemp(join(tmpdir(), 'adgap-bench-api-')) : undefined;
try {
  const store = openStore(given ?? folder);
  const writeMs = await timeMs(() => writeSyntheticSweep(store, SWEEP));
  const { sweepId } = await writeSyntheticSweep(store, SWEEP); // already there: only derives the id
  await store.delete(reportCacheKey(sweepId)); // a cold start, even in a store used before
  const app = createApp(store);
  const report = `/sweeps/${sweepId}/report`;
  const rows: [string, number][] = [];
  rows.push([
    'CLI aggregation (reportFromStore, no cache)',
    await timeMs(() => reportFromStore(store, sweepId)),
  ]);
  rows.push(['GET report JSON, cold (computes and caches)', await timeMs(() => request(app, report))]);
  for (const [what, path] of [
    ['GET report JSON, cached', report],
    ['GET report CSV, cached', `${report}?format=csv`],
    ['GET report HTML (Figure 1 of 10 groups), cached report', `${report}?format=html`],
    ['GET runs, first page of 100', `/sweeps/${sweepId}/runs`],
    ['GET sweeps', '/sweeps'],
  ] as const) {
    const samples: number[] = [];
    for (let i = 0; i < REPEATS; i++) samples.push(await timeMs(() => request(app, path)));
    rows.push([`${what} (median of ${REPEATS})`, median(samples)]);
  }
  process.stdout.write(
    `10,000-run sweep ${sweepId} in ${store.uri} (written in ${(writeMs / 1000).toFixed(1)} s)\n`,
  );
  // Shared machines skew every number: say how busy this one was.
  process.stdout.write(
    `${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(1)} (1 min) at the end of the run\n`,
  );
  for (const [what, ms] of rows) process.stdout.write(`${what.padEnd(56)} ${ms.toFixed(0).padStart(7)} ms\n`);
} finally {
  if (folder !== undefined) await rm(folder, { recursive: true, force: true });
}
