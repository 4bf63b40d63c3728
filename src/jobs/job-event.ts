/** What a job reports as it goes (one JSON line each on `adgap job run`'s stdout), to the runner that started it. */
export type JobEvent =
  | { event: 'run-finished'; runId: string }
  | { event: 'run-failed'; runId: string; error: string }
  /** A robust evaluation of a finished run's kept weights was stored (src/results/evaluations.ts). */
  | { event: 'run-evaluated'; runId: string; evaluation: string }
  | { event: 'evaluation-failed'; runId: string; evaluation: string; error: string }
  | { event: 'job-skipped'; reason: string }
  /** The job stopped on an error that was not one run's: every unfinished run got a failure record with it. */
  | { event: 'job-failed'; error: string; runIds: string[] };

/**
 * The `job-skipped` reason of a job with nothing left to train or evaluate (not worth telling the user).
 */
export const EVERY_RUN_HAS_A_RESULT = 'every run has a result';
