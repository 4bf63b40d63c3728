import { datasetId } from '../datasets/dataset-id.js';
import { modeId, type RunSpec } from '../train/run-spec.js';

/** A unit of work for one process or container: runs that share a dataset (and, within it, a mode). */
export interface Job {
  index: number;
  datasetId: string;
  runs: RunSpec[];
}

export interface Plan {
  sweepId: string;
  jobs: Job[];
}

/**
 * Groups runs into jobs: one per cell (dataset, R, mode) so a job loads its dataset once and an engine can
 * train the cell's seeds x learning rates together; cells larger than `chunkSize` are cut into chunks.
 */
export function planJobs(
  sweepId: string,
  runs: readonly RunSpec[],
  chunkSize = Number.POSITIVE_INFINITY,
): Plan {
  const cells = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const cell = `${datasetId(run.dataset)}|${modeId(run.mode)}`;
    const members = cells.get(cell) ?? [];
    members.push(run);
    cells.set(cell, members);
  }
  const jobs: Job[] = [];
  for (const members of cells.values()) {
    for (let start = 0; start < members.length; start += chunkSize) {
      const chunk = members.slice(start, start + chunkSize);
      jobs.push({ index: jobs.length, datasetId: datasetId((chunk[0] as RunSpec).dataset), runs: chunk });
    }
  }
  return { sweepId, jobs };
}

export const planRuns = (plan: Plan): RunSpec[] => plan.jobs.flatMap((j) => j.runs);
