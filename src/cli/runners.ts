import { availableParallelism } from 'node:os';
import { Option } from 'commander';
import { ValidationError } from '../errors.js';
import { BatchRunner } from '../runners/batch.js';
import { batchClientFor } from '../runners/batch-client.js';
import { DockerRunner, dockerConcurrency, hostVariant, trainerImage } from '../runners/docker.js';
import { LocalProcessRunner } from '../runners/local-processes.js';
import type { Runner } from '../runners/runner.js';
import { readStackOutputs } from '../runners/stack-outputs.js';
import type { MemoryTarget } from '../sweep/job-memory.js';
import { BATCH_QUEUES, type BatchQueueName } from '../sweep/price.js';
import { batchTarget, concurrency, machineTarget } from './memory.js';

export const RUNNERS = ['local', 'docker', 'batch'] as const;

/**
 * The options that choose a runner and set it up, for the commands that run sweeps (`sweep run`, `paper`).
 * `--queue` and `--outputs` have no default here, so assertRunnerOptions can tell that one was given.
 */
export const RUNNER_OPTIONS = {
  runner: () =>
    new Option('--runner <runner>', 'where jobs run (see docs/runners.md)').choices(RUNNERS).default('local'),
  concurrency: () =>
    new Option(
      '--concurrency <n>',
      'local, docker: jobs at once (default: one per core; docker on a GPU host: 1; at most what memory allows)',
    ).argParser(concurrency),
  queue: () => new Option('--queue <queue>', 'batch: the job queue (default: gpu)').choices(BATCH_QUEUES),
  outputs: () =>
    new Option(
      '--outputs <file>',
      'batch: the stack outputs file of `npx cdk deploy` (default: cdk-outputs.json)',
    ),
};

export interface RunnerOptions {
  runner: (typeof RUNNERS)[number];
  concurrency?: number;
  /** batch only; default gpu */
  queue?: BatchQueueName;
  /** batch only; default cdk-outputs.json (readStackOutputs) */
  outputs?: string;
}

/**
 * Refuses a flag the chosen runner would ignore. A `--queue` or `--outputs` without `--runner batch` most likely
 * means `--runner batch` was forgotten, and training on this machine instead (for hours, perhaps into another
 * store) costs far more than typing the command again; a warning would scroll away under the progress bar.
 */
export function assertRunnerOptions(options: RunnerOptions): void {
  if (options.runner === 'batch') {
    if (options.concurrency !== undefined)
      throw new ValidationError(
        '--concurrency',
        'applies to --runner local and docker: AWS Batch starts as many jobs as its compute environment allows',
      );
    return;
  }
  for (const [flag, value] of [
    ['--queue', options.queue],
    ['--outputs', options.outputs],
  ] as const) {
    if (value !== undefined)
      throw new ValidationError(
        flag,
        `applies to --runner batch only, and this is --runner ${options.runner}, whose jobs run on this machine (did you mean --runner batch?)`,
      );
  }
}

/** The memory each job of the chosen runner gets, which a sweep's datasets must fit (job-memory.ts). */
export async function jobMemoryTarget(options: RunnerOptions): Promise<MemoryTarget> {
  switch (options.runner) {
    case 'local':
      return machineTarget(options.concurrency ?? availableParallelism());
    case 'docker':
      return machineTarget(options.concurrency ?? dockerConcurrency(await hostVariant()));
    case 'batch':
      return batchTarget(options.queue ?? 'gpu');
  }
}

/** The runner `adgap sweep run --runner` names, with what it needs (an image, a queue) made ready. */
export async function createRunner(options: RunnerOptions): Promise<Runner> {
  switch (options.runner) {
    case 'local':
      return new LocalProcessRunner(options.concurrency);
    case 'docker': {
      const variant = await hostVariant();
      return new DockerRunner(await trainerImage(variant), variant, options.concurrency);
    }
    case 'batch': {
      const stack = await readStackOutputs(options.outputs);
      const queue =
        (options.queue ?? 'gpu') === 'gpu'
          ? { jobQueue: stack.gpuJobQueueArn, jobDefinition: stack.gpuJobDefinitionArn }
          : { jobQueue: stack.cpuJobQueueArn, jobDefinition: stack.cpuJobDefinitionArn };
      return new BatchRunner({ region: stack.region, ...queue }, `s3://${stack.bucketName}`, batchClientFor);
    }
  }
}
