import type { DatasetGroup } from '../datasets/types.js';
import { AdgapError } from '../errors.js';
import { reportTable } from '../report/format.js';
import { reportFromStore } from '../report/from-store.js';
import type { Report } from '../report/report.js';
import type { Runner } from '../runners/runner.js';
import { readImageSource } from '../sources/image-source.js';
import type { ObjectStore } from '../store/object-store.js';
import { executeSweep } from '../sweep/execute.js';
import type { SweepFile } from '../sweep/schema.js';
import { abandonedHere } from './lease-owner.js';
import { silentProgress, sweepProgress } from './progress.js';

/**
 * Shared by `adgap sweep run` and `adgap demo`: hand what is missing to the runner, then print the report
 * (runners that finish the jobs) or the queued job ids (Batch, which `adgap sweep status` follows). Returns the
 * printed report, undefined when the jobs were only submitted.
 */
export async function runSweep(
  store: ObjectStore,
  sweep: SweepFile,
  runner: Runner,
  chunkSize?: number,
  groups?: ReadonlySet<DatasetGroup>,
): Promise<Report | undefined> {
  // Batch only queues the jobs: a "[0/8] starting" line would promise progress that never comes here.
  const progress = runner.queuesOnly ? silentProgress() : sweepProgress();
  const { sweepId, outcome } = await executeSweep(
    store,
    sweep,
    runner,
    progress,
    readImageSource,
    chunkSize,
    groups,
    abandonedHere,
  ).finally(() => progress.stop());
  const header = `sweep: ${sweepId}\nstore: ${store.uri}\n`;
  if (outcome.state === 'submitted') {
    const jobs = outcome.jobIds.length === 0 ? 'none: every run has a result' : outcome.jobIds.join('\n  ');
    process.stdout.write(
      `${header}submitted to AWS Batch:\n  ${jobs}\nfollow with: adgap sweep status ${sweepId} --store ${store.uri}\n`,
    );
    return undefined;
  }
  const report = await reportFromStore(store, sweepId);
  if (outcome.jobFailures.length > 0) {
    const first = outcome.jobFailures[0] as (typeof outcome.jobFailures)[number];
    throw new AdgapError(
      `${outcome.jobFailures.length} job(s) of sweep ${sweepId} failed (first: job ${first.jobIndex}: ${first.error}); finished results are kept, run again to resume`,
    );
  }
  process.stdout.write(`${header}\n${reportTable(report)}\n`);
  return report;
}
