import { availableParallelism } from 'node:os';
import { AdgapError } from '../errors.js';
import { reportFromStore } from '../report/from-store.js';
import type { Report } from '../report/report.js';
import { LocalProcessRunner } from '../runners/local-processes.js';
import type { ObjectStore } from '../store/object-store.js';
import { executeSweep } from '../sweep/execute.js';
import type { SweepFile } from '../sweep/schema.js';
import { sweepProgress } from './progress.js';

/** Shared by `adgap sweep run` and `adgap demo`: run what is missing on local processes, then aggregate. */
export async function runSweepLocally(
  store: ObjectStore,
  sweep: SweepFile,
  concurrency: number = availableParallelism(),
): Promise<{ sweepId: string; report: Report }> {
  const progress = sweepProgress();
  const { sweepId, jobFailures } = await executeSweep(
    store,
    sweep,
    new LocalProcessRunner(concurrency),
    progress,
  ).finally(() => progress.stop());
  const report = await reportFromStore(store, sweepId);
  if (jobFailures.length > 0) {
    const first = jobFailures[0] as (typeof jobFailures)[number];
    throw new AdgapError(
      `${jobFailures.length} job(s) of sweep ${sweepId} failed (first: job ${first.jobIndex}: ${first.error}); finished results are kept, run again to resume`,
    );
  }
  return { sweepId, report };
}
