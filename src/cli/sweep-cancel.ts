import { Command } from 'commander';
import { readPlan } from '../results/stored-sweep.js';
import { batchClientFor } from '../runners/batch-client.js';
import { readBatchSubmissions, terminateSubmissions } from '../runners/batch-jobs.js';
import { openStore } from '../store/open-store.js';
import { assertSweepId } from '../sweep/sweep-id.js';
import { STORE_OPTION } from './options.js';

export function sweepCancelCommand(): Command {
  return new Command('cancel')
    .description('stop the AWS Batch jobs of a sweep: queued jobs are cancelled, running ones terminated')
    .argument('<sweep>', 'sweep id, as printed by `adgap sweep run`')
    .option(...STORE_OPTION)
    .action(async (sweepId: string, options: { store: string }) => {
      assertSweepId(sweepId);
      const store = openStore(options.store);
      await readPlan(store, sweepId);
      const terminated = await terminateSubmissions(
        await readBatchSubmissions(store, sweepId),
        batchClientFor,
        `cancelled by adgap sweep cancel ${sweepId}`,
      );
      process.stdout.write(
        terminated.length === 0
          ? `sweep ${sweepId} has no AWS Batch jobs queued or running\n`
          : `terminated: ${terminated.join(' ')}\nfinished results are kept; \`adgap sweep run --runner batch\` submits the rest again\n`,
      );
    });
}
