import { datasetId } from '../datasets/dataset-id.js';
import { modeId, type RunSpec } from '../train/run-spec.js';

/** A unit of work for one process or container: runs that share a dataset (and, within it, a mode and fidelity). */
export interface Job {
  index: number;
  datasetId: string;
  runs: RunSpec[];
}

export interface Plan {
  sweepId: string;
  /** At most this many runs per job; absent: one job per whole cell. */
  chunkSize?: number;
  jobs: Job[];
}

/**
 * Groups runs into jobs: one per cell (dataset, R, fidelity, mode) so a job loads its dataset once and an engine can
 * train the cell's seeds x learning rates together; cells larger than `chunkSize` are cut into chunks.
 */
export function planJobs(sweepId: string, runs: readonly RunSpec[], chunkSize?: number): Plan {
  assertDistinctRunIds(sweepId, runs);
  const size = chunkSize ?? Number.POSITIVE_INFINITY;
  const cells = new Map<string, RunSpec[]>();
  for (const run of runs) {
    const cell = `${datasetId(run.dataset)}|${run.fidelity}|${modeId(run.mode)}`;
    const members = cells.get(cell) ?? [];
    members.push(run);
    cells.set(cell, members);
  }
  const jobs: Job[] = [];
  for (const members of cells.values()) {
    for (let start = 0; start < members.length; start += size) {
      const chunk = members.slice(start, start + size);
      jobs.push({ index: jobs.length, datasetId: datasetId((chunk[0] as RunSpec).dataset), runs: chunk });
    }
  }
  return chunkSize === undefined ? { sweepId, jobs } : { sweepId, chunkSize, jobs };
}

export const planRuns = (plan: Plan): RunSpec[] => plan.jobs.flatMap((j) => j.runs);

/**
 * The plan's invariant: a run id once. A run planned twice is trained twice, stored once and counted twice in
 * the report; the sweep file's rules exist to prevent it, so a repeat here is a bug in them, never bad input.
 */
function assertDistinctRunIds(sweepId: string, runs: readonly RunSpec[]): void {
  const seen = new Set<string>();
  for (const { runId } of runs) {
    if (seen.has(runId)) throw new Error(`the plan of sweep ${sweepId} would hold run ${runId} twice`);
    seen.add(runId);
  }
}
