import pLimit from 'p-limit';
import { runIdOfKey, SWEEPS_PREFIX } from '../store/layout.js';
import { listAll, type ObjectStore } from '../store/object-store.js';
import { failedRunIds } from './failures.js';
import { finishedRunIds } from './stored-results.js';
import { readSweep, type StoredSweep } from './stored-sweep.js';

/**
 * How far a sweep has come, from the store alone, whichever runner is working on it: runs planned, with a
 * result, and failed without a result (a failure followed by a result counts as done). The rest are pending:
 * queued, running, or never started.
 */
export interface RunCounts {
  total: number;
  done: number;
  failed: number;
}

export interface SweepSummary {
  sweepId: string;
  name: string;
  createdAt: string;
  runs: RunCounts;
}

const READ_CONCURRENCY = 16;

/** Every sweep in the store with its progress, newest first, from one listing of the sweeps prefix. */
export async function listSweeps(store: ObjectStore): Promise<SweepSummary[]> {
  const found = new Map<string, { results: Set<string>; failures: Set<string>; hasSweep: boolean }>();
  for await (const { key } of listAll(store, SWEEPS_PREFIX)) {
    const [, sweepId, kind, name] = key.split('/');
    if (sweepId === undefined || kind === undefined) continue;
    const entry = found.get(sweepId) ?? { results: new Set(), failures: new Set(), hasSweep: false };
    found.set(sweepId, entry);
    if (kind === 'sweep.json' && name === undefined) entry.hasSweep = true;
    else if (name?.endsWith('.json') && kind === 'results') entry.results.add(runIdOfKey(key));
    else if (name?.endsWith('.json') && kind === 'failures') entry.failures.add(runIdOfKey(key));
  }
  const limit = pLimit(READ_CONCURRENCY);
  const summaries = await Promise.all(
    [...found]
      .filter(([, entry]) => entry.hasSweep)
      .map(([sweepId, { results, failures }]) =>
        limit(async () => summary(await readSweep(store, sweepId), results, failures)),
      ),
  );
  return summaries.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** One sweep: its stored definition and its progress. */
export async function sweepStatus(
  store: ObjectStore,
  sweepId: string,
): Promise<SweepSummary & { definition: StoredSweep['definition']; jobCount: number }> {
  const [sweep, results, failures] = await Promise.all([
    readSweep(store, sweepId),
    finishedRunIds(store, sweepId),
    failedRunIds(store, sweepId),
  ]);
  return { ...summary(sweep, results, failures), definition: sweep.definition, jobCount: sweep.jobCount };
}

function summary(sweep: StoredSweep, results: Set<string>, failures: Set<string>): SweepSummary {
  const failed = [...failures].filter((id) => !results.has(id)).length;
  return {
    sweepId: sweep.sweepId,
    name: sweep.name,
    createdAt: sweep.createdAt,
    runs: { total: sweep.runCount, done: results.size, failed },
  };
}
