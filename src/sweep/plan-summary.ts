import { gradientPassesPerSample, type RunSpec } from '../train/run-spec.js';
import { planJobs } from './plan.js';

/** What a sweep will cost before it runs: `adgap sweep plan`. */
export interface PlanSummary {
  runCount: number;
  jobCount: number;
  /** Runs x max epochs: the upper bound, reached only by runs that never stop early. */
  maxModelEpochs: number;
  /**
   * The same, weighted by the gradient passes an epoch takes per sample (gradientPassesPerSample). A fairer
   * comparison of CIFAR's PGD runs with the rest.
   */
  maxGradientPassEpochs: number;
  firstRuns: RunSpec[];
}

export function summarisePlan(sweepId: string, runs: readonly RunSpec[], firstRunCount = 5): PlanSummary {
  return {
    runCount: runs.length,
    jobCount: planJobs(sweepId, runs).jobs.length,
    maxModelEpochs: runs.reduce((sum, r) => sum + r.maxEpochs, 0),
    maxGradientPassEpochs: runs.reduce((sum, r) => sum + r.maxEpochs * gradientPassesPerSample(r.mode), 0),
    firstRuns: runs.slice(0, firstRunCount),
  };
}
