import { Option } from 'commander';
import { BatchRunner } from '../runners/batch.js';
import { batchClientFor } from '../runners/batch-client.js';
import { DockerRunner, hostVariant, trainerImage } from '../runners/docker.js';
import { LocalProcessRunner } from '../runners/local-processes.js';
import type { Runner } from '../runners/runner.js';
import { readStackOutputs } from '../runners/stack-outputs.js';
import { positiveInteger } from './options.js';

export const RUNNERS = ['local', 'docker', 'batch'] as const;

/** The options that choose a runner and set it up, for the commands that run sweeps (`sweep run`, `paper`). */
export const RUNNER_OPTIONS = {
  runner: () =>
    new Option('--runner <runner>', 'where jobs run (see docs/runners.md)').choices(RUNNERS).default('local'),
  concurrency: () =>
    new Option(
      '--concurrency <n>',
      'local, docker: jobs at once (default: one per core; docker on a GPU host: 1)',
    ).argParser(positiveInteger('--concurrency')),
  queue: () => new Option('--queue <queue>', 'batch: the job queue').choices(['gpu', 'cpu']).default('gpu'),
  outputs: () =>
    new Option('--outputs <file>', 'batch: the stack outputs file of `npx cdk deploy`').default(
      'cdk-outputs.json',
    ),
};

export interface RunnerOptions {
  runner: (typeof RUNNERS)[number];
  concurrency?: number;
  queue: 'gpu' | 'cpu';
  outputs: string;
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
        options.queue === 'gpu'
          ? { jobQueue: stack.gpuJobQueueArn, jobDefinition: stack.gpuJobDefinitionArn }
          : { jobQueue: stack.cpuJobQueueArn, jobDefinition: stack.cpuJobDefinitionArn };
      return new BatchRunner({ region: stack.region, ...queue }, `s3://${stack.bucketName}`, batchClientFor);
    }
  }
}
