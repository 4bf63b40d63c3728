/**
 * Which planned jobs an `adgap job run` trains: `{ job }` one job; `{ jobOffset }` an AWS Batch array whose
 * children each add their AWS_BATCH_JOB_ARRAY_INDEX to it. Without either, the offset is 0.
 */
export type JobSelector = { job: number } | { jobOffset: number };

/**
 * The job contract's command line, `adgap job run` (src/cli/job.ts parses it), as every runner starts it: a local
 * process after the CLI's path, docker and AWS Batch as the trainer image's arguments, and the stack's job
 * definition with Batch's `Ref::` placeholders for the store and the sweep.
 */
export function jobRunArguments(store: string, sweepId: string, selector?: JobSelector): string[] {
  const which =
    selector === undefined
      ? []
      : 'job' in selector
        ? ['--job', String(selector.job)]
        : ['--job-offset', String(selector.jobOffset)];
  return ['job', 'run', '--store', store, '--sweep', sweepId, ...which];
}
