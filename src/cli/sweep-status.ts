import { Command } from 'commander';
import { sweepStatus } from '../results/status.js';
import { readResultsOf } from '../results/stored-results.js';
import { batchClientFor } from '../runners/batch-client.js';
import {
  BATCH_STATES,
  type BatchJobState,
  describeSubmissions,
  failureReason,
  readBatchSubmissions,
} from '../runners/batch-jobs.js';
import { openStore } from '../store/open-store.js';
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
      const [{ runs, finishedRunIds, foreignKeys }, submissions] = await Promise.all([
        sweepStatus(store, sweepId),
        readBatchSubmissions(store, sweepId),
      ]);
      // Every result of a planned run is read, as the report does: one that cannot be read counts as pending.
      const { unreadable } = await readResultsOf(store, sweepId, finishedRunIds);
      const done = runs.done - unreadable.length;
      const pending = runs.total - done - runs.failed;
      const lines = [
        `sweep: ${sweepId}`,
        `store: ${store.uri}`,
        `runs: ${runs.total} planned, ${done} finished, ${runs.failed} failed, ${pending} pending`,
      ];
      if (unreadable.length > 0)
        lines.push(
          `  ${unreadable.length} of the pending runs have an unreadable result (see \`adgap report\`); the next sweep run sets it aside and trains them again`,
        );
      if (foreignKeys.length > 0)
        lines.push(
          `  ${foreignKeys.length} foreign object(s), of runs this sweep's plan does not hold (copied from another sweep?), not counted: ${foreignKeys.join(', ')}`,
        );
      if (submissions.length > 0) {
        const states = await describeSubmissions(submissions, batchClientFor);
        lines.push('AWS Batch jobs (planned jobs by state):');
        for (const state of states) {
          lines.push(formatState(state));
          const reason = await failureReason(state, batchClientFor);
          if (reason !== undefined) lines.push(`    failed: ${reason}`);
        }
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
