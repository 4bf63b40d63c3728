import { requestEvaluation } from '../results/evaluations.js';
import { jobWork } from '../results/job-work.js';
import type { LeaseOwner } from '../results/lease-owner.js';
import { readResults } from '../results/stored-results.js';
import { readPlan } from '../results/stored-sweep.js';
import type { Runner, RunnerOutcome } from '../runners/runner.js';
import type { ObjectStore } from '../store/object-store.js';
import { planRuns } from '../sweep/plan.js';
import {
  assertEvaluationApplies,
  evaluationUnsupported,
  type KeptWeightEvaluation,
} from '../train/robustness/kept-evaluation.js';
import { type SweepProgress, startPendingJobs } from './execute-sweep.js';

/** What `evaluateSweep` computes, where, and how it reports. */
export interface EvaluateSweepOptions {
  store: ObjectStore;
  sweepId: string;
  evaluation: KeptWeightEvaluation;
  runner: Runner;
  progress: SweepProgress;
  /** Whether a lease's holder is known dead here (a killed process of this machine). */
  isAbandoned?: (owner: LeaseOwner) => boolean;
}

/**
 * `adgap evaluate`: asks the sweep's jobs for `evaluation` (a request kept in the store, results/evaluations.ts)
 * and hands the jobs that have finished runs without its record to the runner, with the leases and progress of
 * training. A job computes each record from the run's kept weights, write-once, so a killed evaluation resumes
 * where it stopped. Nothing is trained: a job with a run that has no result is left to `sweep run` (which
 * computes the requested evaluations too), and results that kept no weights are counted, not evaluated.
 */
export async function evaluateSweep(options: EvaluateSweepOptions): Promise<RunnerOutcome> {
  const { store, sweepId, evaluation, progress } = options;
  await store.assertWriteOnce();
  const plan = await readPlan(store, sweepId);
  const runs = planRuns(plan);
  assertEvaluationApplies(runs, evaluation);
  await requestEvaluation(store, sweepId, evaluation);
  const { results } = await readResults(store, sweepId);
  const withoutWeights = runs.filter(
    (run) =>
      !evaluationUnsupported(run, evaluation) &&
      results.get(run.runId)?.weights === undefined &&
      results.has(run.runId),
  ).length;
  if (withoutWeights > 0)
    progress.notice(
      `${withoutWeights} finished runs say "weights not kept" (trained before adgap kept weights): train them in a new sweep to evaluate them`,
    );
  const work = await jobWork(store, sweepId, plan.jobs, { include: () => true, train: false });
  if (work.unfinishedJobs > 0)
    progress.notice(
      `${work.unfinishedJobs} jobs have runs without a result: left to \`adgap sweep run\`, which trains them and computes ${evaluation} (evaluate never trains)`,
    );
  return startPendingJobs({
    ...options,
    isAbandoned: options.isAbandoned ?? (() => false),
    pendingJobs: work.pendingJobs,
    total: work.total,
    done: work.done,
  });
}
