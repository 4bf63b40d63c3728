import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { jobRunArguments } from '../jobs/job-command.js';
import type { JobEvent } from '../jobs/job-event.js';
import { runJobProcesses } from './job-process.js';
import type { Runner, RunnerOutcome, SweepTarget } from './runner.js';

const CLI = fileURLToPath(new URL('../../bin/adgap.js', import.meta.url));

/**
 * The embedded default: each job is a child process running `adgap job run`, `concurrency` at a time
 * (default one per core). Processes, not threads, so a crash or a kill loses at most the runs in flight,
 * and every job starts with a fresh tfjs engine.
 */
export class LocalProcessRunner implements Runner {
  readonly name = 'local';

  constructor(private readonly concurrency: number = availableParallelism()) {}

  async runJobs(
    target: SweepTarget,
    jobIndexes: readonly number[],
    onEvent: (event: JobEvent) => void,
  ): Promise<RunnerOutcome> {
    return runJobProcesses(
      jobIndexes,
      this.concurrency,
      (index) => [
        process.execPath,
        [CLI, ...jobRunArguments(target.store.uri, target.sweepId, { job: index })],
      ],
      onEvent,
    );
  }
}
