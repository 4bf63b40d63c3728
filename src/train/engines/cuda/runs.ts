import { ValidationError } from '../../../errors.js';
import type { RunSpec } from '../../run-spec.js';
import { stackable } from '../cell-schedule.js';

/**
 * Why the cuda engine cannot train `run` exactly, or undefined when it can: it trains what a stacked cell
 * trains (stackable). Its own module, without tfjs, so choosing an engine and checking a sweep load no tfjs.
 */
export function cudaUnsupported(run: RunSpec): string | undefined {
  if (stackable(run)) return undefined;
  return run.model === 'vgg11'
    ? `cuda trains the linear model and the MLP only (run ${run.runId} uses 'vgg11')`
    : `cuda trains the clean objective only (run ${run.runId} uses 'reference')`;
}

/** Asking cuda for a run it cannot train is a user error, caught before anything trains. */
export function assertCudaRuns(runs: readonly RunSpec[]): void {
  for (const run of runs) {
    const reason = cudaUnsupported(run);
    if (reason) throw new ValidationError('engine', `${reason}; use --engine tfjs, or no --engine`);
  }
}
