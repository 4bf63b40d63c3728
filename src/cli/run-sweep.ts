import { type ExecuteSweepOptions, executeSweep } from '../application/execute-sweep.js';
import { reportFromStore } from '../application/report.js';
import { AdgapError } from '../errors.js';
import { reportTable } from '../report/format.js';
import type { Report } from '../report/report.js';
import { readImageSource } from '../sources/image-source.js';
import { abandonedHere } from './lease-owner.js';
import { silentProgress, sweepProgress } from './progress.js';

/**
 * Shared by `adgap sweep run` and `adgap demo`: hand what is missing to the runner, then print the report
 * (runners that finish the jobs) or the queued job ids (Batch, which `adgap sweep status` follows). Returns the
 * printed report, undefined when the jobs were only submitted.
 */
export async function runSweep(
  options: Pick<ExecuteSweepOptions, 'store' | 'sweep' | 'runner' | 'chunkSize' | 'groups'>,
): Promise<Report | undefined> {
  const { store, runner } = options;
  // Batch only queues the jobs: a "[0/8] starting" line would promise progress that never comes here.
  const progress = runner.queuesOnly ? silentProgress() : sweepProgress();
  const { sweepId, outcome } = await executeSweep({
    ...options,
    progress,
    readImageSource,
    isAbandoned: abandonedHere,
  }).finally(() => progress.stop());
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
