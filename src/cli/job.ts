import { Command, Option } from 'commander';
import { runJob } from '../application/run-job.js';
import { batchArrayIndex, cudaAddonPath, deploymentEnv } from '../env.js';
import { ContentCache } from '../store/content-cache.js';
import { LocalFolderStore } from '../store/local-folder.js';
import { openStore } from '../store/open-store.js';
import { assertSweepId } from '../sweep/sweep-id.js';
import { createEngine, type GpuEngineAnswer, gpuEngineHere } from '../train/engines/choose.js';
import { probeCudaAddon } from '../train/engines/cuda/descriptor.js';
import type { RunSpec } from '../train/run-spec.js';
import { leaseOwner } from './lease-owner.js';
import { nonNegativeInteger, STORE_OPTION } from './options.js';

/** Exit status after SIGTERM/SIGINT (128 + 15): the job stopped early and a retry will finish it. */
const EXIT_INTERRUPTED = 143;

/** The cuda addon a job started on this machine uses: ADGAP_CUDA_ADDON, else the one built in this checkout. */
const jobProbes = { cuda: () => probeCudaAddon(cudaAddonPath()) };

/**
 * The GPU engine a job started on this machine (a local process) would train `runs` on, or why none would:
 * asked here because only the job entry point may load engines (.dependency-cruiser.cjs), and so that planning
 * (`adgap paper`) and the job agree on which addon counts.
 */
export function gpuEngineOfLocalJobs(runs: readonly RunSpec[]): Promise<GpuEngineAnswer> {
  return gpuEngineHere(runs, jobProbes);
}

export function jobCommand(): Command {
  const job = new Command('job').description(
    'the trainer entry point that every runner starts (local, docker, Batch)',
  );
  job
    .command('run')
    .description('train the runs of one planned job that have no result yet; prints one JSON event per line')
    .option(...STORE_OPTION)
    .requiredOption('--sweep <id>', 'sweep id')
    .option(
      '--job <index>',
      'job index (default: --job-offset + $AWS_BATCH_JOB_ARRAY_INDEX)',
      nonNegativeInteger('--job'),
    )
    // A Batch array has at most 10,000 children, so a larger sweep is several arrays, each told where it starts.
    .addOption(
      new Option('--job-offset <n>', 'added to $AWS_BATCH_JOB_ARRAY_INDEX (an array job after the first)')
        .argParser(nonNegativeInteger('--job-offset'))
        .default(0)
        .conflicts('job'),
    )
    .action(async (options: { store: string; sweep: string; job?: number; jobOffset: number }) => {
      assertSweepId(options.sweep);
      const index = options.job ?? options.jobOffset + batchArrayIndex();
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      const store = openStore(options.store);
      // A remote store's dataset files are kept on local disk, so every job on a machine downloads them once.
      const cache =
        store instanceof LocalFolderStore ? undefined : new ContentCache(deploymentEnv().datasetCacheDir);
      await runJob({
        store,
        sweepId: options.sweep,
        jobIndex: index,
        createEngine: (runs, requested) =>
          createEngine(runs, requested, {
            probes: jobProbes,
            onUnusable: (engine, problem) => process.stderr.write(`${engine} engine not used: ${problem}\n`),
          }),
        onEvent: (event) => process.stdout.write(`${JSON.stringify(event)}\n`),
        signal: abort.signal,
        datasetCache: cache,
        leaseOwner: leaseOwner(),
      });
      if (abort.signal.aborted) process.exitCode = EXIT_INTERRUPTED;
    });
  return job;
}
