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
import { readPlan, readResultsOf } from '../sweep/stored.js';
import { buildReport, type Report } from './report.js';

/**
 * Bumped whenever buildReport's output changes, so a deployment with new aggregation code never serves a
 * report that the old code cached.
 */
const REPORT_CACHE_VERSION = 3;

/** The cached report and the listing it was computed from. */
interface CachedReport {
  listingHash: string;
  report: Report;
}

/**
 * The report of a sweep, as `reportFromStore` computes it, cached in the store next to the sweep with a hash
 * of the result and failure objects it was computed from (one listing of each). Results are write-once, so
 * the same listing means the same report: it is recomputed only when a result or a failure record arrives,
 * from exactly the listed results, never from ones that arrived while it was being read. One object per
 * sweep, overwritten, so the cache does not grow as a sweep runs and the API needs no delete permission.
 */
export async function cachedReport(store: ObjectStore, sweepId: string): Promise<Report> {
  const [results, failures] = await Promise.all([
    listJson(store, resultsPrefix(sweepId)),
    listJson(store, failuresPrefix(sweepId)),
  ]);
  const listingHash = hashOf(results, failures);
  const key = reportCacheKey(sweepId);
  try {
    const cached = await getJson<CachedReport>(store, key);
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
  const report = buildReport(
    sweepId,
    planRuns(plan),
    loaded.results,
    new Set(failures.map((o) => runIdOfKey(o.key))),
    loaded.unreadable,
  );
  // Concurrent requests that saw different listings may overwrite each other; each still answers with its
  // own report, and the next request recomputes if the stored one is stale.
  await putJson(store, key, { listingHash, report } satisfies CachedReport);
  return report;
}

async function listJson(store: ObjectStore, prefix: string): Promise<ObjectInfo[]> {
  const objects: ObjectInfo[] = [];
  for await (const object of listAll(store, prefix)) if (object.key.endsWith('.json')) objects.push(object);
  return objects;
}

function hashOf(results: readonly ObjectInfo[], failures: readonly ObjectInfo[]): string {
  const hash = createHash('sha256').update(`v${REPORT_CACHE_VERSION}\n`);
  // Listings come in key order; sorting again keeps the hash independent of any adapter's ordering.
  for (const o of [...results, ...failures].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)))
    hash.update(`${o.key} ${o.size}\n`);
  return hash.digest('hex');
}
