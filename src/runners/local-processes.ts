import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import pLimit from 'p-limit';
import type { JobEvent } from '../train/job.js';
import { runJobProcess } from './job-process.js';
import type { JobFailure, Runner, RunnerOutcome, SweepTarget } from './runner.js';

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
    const limit = pLimit(this.concurrency);
    const outcomes = await Promise.all(
      jobIndexes.map((index) =>
        limit(() =>
          runJobProcess(
            index,
            process.execPath,
            [
              CLI,
              'job',
              'run',
              '--store',
              target.store.uri,
              '--sweep',
              target.sweepId,
              '--job',
              String(index),
            ],
            onEvent,
          ),
        ),
      ),
    );
    return { state: 'finished', jobFailures: outcomes.filter((f): f is JobFailure => f !== undefined) };
  }
}
