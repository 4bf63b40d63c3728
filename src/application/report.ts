import { buildReport, REPORT_VERSION, type Report } from '../report/report.js';
import { cachedReport as cached } from '../results/report-cache.js';
import { readSweepRuns } from '../results/stored-results.js';
import type { ObjectStore } from '../store/object-store.js';

/** The report of a sweep as the store holds it now (finished or not): `adgap report` and `sweep run`. */
export async function reportFromStore(store: ObjectStore, sweepId: string): Promise<Report> {
  return buildReport(await readSweepRuns(store, sweepId));
}

/**
 * The same report, cached in the store and rebuilt only when a result or a failure arrives (the API, which
 * answers many requests for one sweep).
 */
export function cachedReport(store: ObjectStore, sweepId: string): Promise<Report> {
  return cached(store, sweepId, { version: REPORT_VERSION, build: buildReport });
}
