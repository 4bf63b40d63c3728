import { Command } from 'commander';
import { batchClientFor } from '../runners/batch-client.js';
import {
  BATCH_STATES,
  type BatchJobState,
  describeSubmissions,
  readBatchSubmissions,
} from '../runners/batch-jobs.js';
import { openStore } from '../store/open-store.js';
import { sweepStatus } from '../sweep/status.js';
import { assertSweepId } from '../sweep/sweep-id.js';
import { STORE_OPTION } from './options.js';

export function sweepStatusCommand(): Command {
  return new Command('status')
    .description('how far a sweep has got: runs finished, failed and pending, and its AWS Batch jobs if any')
    .argument('<sweep>', 'sweep id, as printed by `adgap sweep run`')
    .option(...STORE_OPTION)
    .action(async (sweepId: string, options: { store: string }) => {
      assertSweepId(sweepId);
      const store = openStore(options.store);
      // An unknown sweep fails here, reported as such rather than as a sweep with no Batch jobs.
      const [{ runs }, submissions] = await Promise.all([
        sweepStatus(store, sweepId),
        readBatchSubmissions(store, sweepId),
      ]);
      const pending = runs.total - runs.done - runs.failed;
      const lines = [
        `sweep: ${sweepId}`,
        `store: ${store.uri}`,
        `runs: ${runs.total} planned, ${runs.done} finished, ${runs.failed} failed, ${pending} pending`,
      ];
      if (submissions.length > 0) {
        const states = await describeSubmissions(submissions, batchClientFor);
        lines.push('AWS Batch jobs (planned jobs by state):', ...states.map(formatState));
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}

function formatState(state: BatchJobState): string {
  const { jobId, firstJob, jobCount } = state.submission;
  const jobs = jobCount > 1 ? `jobs ${firstJob}-${firstJob + jobCount - 1}` : `job ${firstJob}`;
  const counts = BATCH_STATES.filter((s) => state.children[s] !== undefined)
    .map((s) => `${s} ${state.children[s]}`)
    .join(', ');
  return `  ${jobId}  ${jobs}  ${state.status}${counts === '' ? '' : `: ${counts}`}`;
}
