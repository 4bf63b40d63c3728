import { createHash } from 'node:crypto';
import { failuresPrefix, reportCacheKey, resultsPrefix, runIdOfKey } from '../store/layout.js';
import {
  getJson,
  listAll,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  putJson,
} from '../store/object-store.js';
import { planRuns } from '../sweep/plan.js';
import { readResultsOf, type SweepRuns } from './stored-results.js';
import { readPlan } from './stored-sweep.js';

/** How a report is made from a sweep's runs, and the version of that code (src/report/report.ts). */
export interface ReportBuild<Report> {
  /** Bumped whenever `build`'s output changes, so new code never serves a report that old code cached. */
  version: number;
  build(runs: SweepRuns): Report;
}

/** The cached report and the listing it was computed from. */
interface CachedReport<Report> {
  listingHash: string;
  report: Report;
}

/**
 * The report of a sweep, cached in the store next to the sweep with a hash of the result and failure objects
 * it was computed from (one listing of each) and of the build's version. Results are write-once, so the same
 * listing means the same report: it is rebuilt only when a result or a failure record arrives, from exactly
 * the listed results, never from ones that arrived while it was being read. One object per sweep, overwritten,
 * so the cache does not grow as a sweep runs and the API needs no delete permission.
 */
export async function cachedReport<Report>(
  store: ObjectStore,
  sweepId: string,
  report: ReportBuild<Report>,
): Promise<Report> {
  const [results, failures] = await Promise.all([
    listJson(store, resultsPrefix(sweepId)),
    listJson(store, failuresPrefix(sweepId)),
  ]);
  const listingHash = hashOf(report.version, results, failures);
  const key = reportCacheKey(sweepId);
  try {
    const cached = await getJson<CachedReport<Report>>(store, key);
    if (cached.listingHash === listingHash) return cached.report;
  } catch (error) {
    if (!(error instanceof ObjectNotFoundError)) throw error;
  }
  const plan = await readPlan(store, sweepId);
  const loaded = await readResultsOf(
    store,
    sweepId,
    results.map((o) => runIdOfKey(o.key)),
  );
  const built = report.build({
    sweepId,
    runs: planRuns(plan),
    results: loaded.results,
    failedRunIds: new Set(failures.map((o) => runIdOfKey(o.key))),
    unreadable: loaded.unreadable,
  });
  // Concurrent requests that saw different listings may overwrite each other; each still answers with its
  // own report, and the next request recomputes if the stored one is stale.
  await putJson(store, key, { listingHash, report: built } satisfies CachedReport<Report>);
  return built;
}

async function listJson(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  for await (const object of listAll(store, prefix)) if (object.key.endsWith('.json')) objects.push(object);
  return objects;
}

function hashOf(version: number, results: readonly ObjectInfo[], failures: readonly ObjectInfo[]): string {
  const hash = createHash('sha256').update(`v${version}\n`);
  // Listings come in key order; sorting again keeps the hash independent of any adapter's ordering.
  for (const o of [...results, ...failures].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    hash.update(`${o.key} ${o.size}\n`);
  return hash.digest('hex');
}
