import { buildReport, type Report } from '../report/report.js';
import { failedRunIds, readPlan, readResults } from '../results/stored-results.js';
import type { ObjectStore } from '../store/object-store.js';
import { planRuns } from '../sweep/plan.js';

/** The report of a sweep as the store holds it now (finished or not). */
export async function reportFromStore(store: ObjectStore, sweepId: string): Promise<Report> {
  const [plan, { results, unreadable }, failed] = await Promise.all([
    readPlan(store, sweepId),
    readResults(store, sweepId),
    failedRunIds(store, sweepId),
  ]);
  return buildReport(sweepId, planRuns(plan), results, failed, unreadable);
}
