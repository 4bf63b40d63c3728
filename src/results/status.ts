import pLimit from 'p-limit';
import { failureKey, resultKey, runIdOfKey, SWEEPS_PREFIX } from '../store/layout.js';
import { listAll, type ObjectStore } from '../store/object-store.js';
import { planRuns } from '../sweep/plan.js';
import { failedRunIds } from './failures.js';
import { finishedRunIds } from './stored-results.js';
import { readPlan, readSweep, type StoredSweep, UnreadableSweepObjectError } from './stored-sweep.js';

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

/** A sweep folder whose sweep.json cannot be read (UnreadableSweepObjectError): listed apart, by its folder. */
export interface UnreadableSweep {
  sweepId: string;
  key: string;
  reason: string;
}

export interface SweepListing {
  /** Newest first. */
  sweeps: SweepSummary[];
  unreadable: UnreadableSweep[];
}

/**
 * Every sweep in the store with its progress, from one listing of the sweeps prefix. A sweep whose sweep.json
 * cannot be read is listed apart, so one bad object does not hide the others. The counts come from the listing
 * (no plan is read): a result object of a run another sweep planned is counted here, and only `sweepStatus`
 * tells it apart.
 */
export async function listSweeps(store: ObjectStore): Promise<SweepListing> {
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
  const read = await Promise.all(
    [...found]
      .filter(([, entry]) => entry.hasSweep)
      .map(([sweepId, { results, failures }]) =>
        limit(async (): Promise<SweepSummary | UnreadableSweep> => {
          try {
            return summary(await readSweep(store, sweepId), results, failures);
          } catch (error) {
            if (!(error instanceof UnreadableSweepObjectError)) throw error;
            return { sweepId, key: error.key, reason: error.reason };
          }
        }),
      ),
  );
  const sweeps = read.filter((s): s is SweepSummary => 'runs' in s);
  return {
    sweeps: sweeps.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0)),
    unreadable: read.filter((s): s is UnreadableSweep => !('runs' in s)),
  };
}

export interface SweepStatus extends SweepSummary {
  definition: StoredSweep['definition'];
  jobCount: number;
  /** The planned runs with a result object (readable or not). */
  finishedRunIds: string[];
  /** Result and failure objects of run ids the plan does not hold (copied from another sweep): not counted. */
  foreignKeys: string[];
}

/** One sweep: its stored definition and its progress, counting only the runs its plan holds. */
export async function sweepStatus(store: ObjectStore, sweepId: string): Promise<SweepStatus> {
  const [sweep, plan, results, failures] = await Promise.all([
    readSweep(store, sweepId),
    readPlan(store, sweepId),
    finishedRunIds(store, sweepId),
    failedRunIds(store, sweepId),
  ]);
  const planned = new Set(planRuns(plan).map((r) => r.runId));
  const mine = (ids: Set<string>) => new Set([...ids].filter((id) => planned.has(id)));
  const foreignKeys = [
    ...[...results].filter((id) => !planned.has(id)).map((id) => resultKey(sweepId, id)),
    ...[...failures].filter((id) => !planned.has(id)).map((id) => failureKey(sweepId, id)),
  ];
  const finished = mine(results);
  return {
    ...summary(sweep, finished, mine(failures)),
    definition: sweep.definition,
    jobCount: sweep.jobCount,
    finishedRunIds: [...finished],
    foreignKeys,
  };
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
