import { DATASET_GROUPS, type DatasetGroup } from '../datasets/types.js';
import { expandRuns } from '../sweep/expand.js';
import { trainsOnlyOnGpu } from '../sweep/gpu-only.js';
import { ALL_GROUPS, paperPreset } from '../sweep/presets.js';
import { parseSweepFile, type SweepFile } from '../sweep/schema.js';
import { sweepId } from '../sweep/sweep-id.js';
import { estimateWallTime, type MeasuredRate, type WallTimeEstimate } from '../sweep/wall-time.js';
import { cpuEngineFor } from '../train/engines/capabilities.js';
import type { Fidelity, Objective } from '../train/modes.js';
import type { RunSpec } from '../train/run-spec.js';

/** Where runs that train only on a GPU would train now (`where`: ' on cuda (...)'), or every reason they would not. */
export type GpuPlace = { trains: true; where: string } | { trains: false; reasons: string[] };

/**
 * Whether a group's data can be had now: what its plan line adds (`note`: '; downloads 54.1 MB first from ...'),
 * or why it cannot run, in a line that says what fixes it.
 */
export type GroupData = { ready: true; note: string } | { ready: false; reason: string };

export interface PaperPlanOptions {
  fidelity: Fidelity;
  objective?: Objective;
  /** The groups to train now (`--groups`); every group when absent. The sweep is always the whole grid. */
  groups?: readonly DatasetGroup[];
  /** The rates `npm run bench` measured here, for each group's wall-time bound; undefined where it has not run. */
  rates: MeasuredRate[] | undefined;
  /** Asks the runner that would train them where a group that trains only on a GPU would train now. */
  gpuPlace(runs: readonly RunSpec[]): Promise<GpuPlace>;
  /** Whether a group's data can be had (in the store, on disk, or downloadable): asked of a group that would train. */
  groupData(sweep: SweepFile, group: DatasetGroup): Promise<GroupData>;
}

export interface PaperGroupPlan {
  group: DatasetGroup;
  runs: RunSpec[];
  /** The bound on CPU engines (the plan does not count GPUs); undefined without measured rates. */
  wallTime: WallTimeEstimate | undefined;
  trainsNow: boolean;
  /**
   * Asked for (in `groups`, or every group without it) and not training now (no GPU where it needs one, no
   * source): the command lists it with its reason and exits 3 (PAPER_LEFT_OUT_EXIT_CODE).
   */
  leftOut: boolean;
  /** Where it trains, or every reason it does not. */
  where: string;
}

export interface PaperPlan {
  sweep: SweepFile;
  sweepId: string;
  runCount: number;
  groups: PaperGroupPlan[];
}

/**
 * The paper's whole grid (every group, one sweep, `adgap paper`) and, per group, its runs, their wall-time bound
 * and whether it trains now: every group in `groups` does, but one that trains only on a GPU (trainsOnlyOnGpu)
 * only where `gpuPlace` finds one, and only a group whose data can be had (`groupData`) trains; the others are
 * left for a later run with the same store, which resumes the sweep.
 */
export async function planPaper(options: PaperPlanOptions): Promise<PaperPlan> {
  const sweep = parseSweepFile(
    paperPreset(ALL_GROUPS, { fidelity: options.fidelity, objective: options.objective }),
  );
  const runs = expandRuns(sweep);
  const engineOf = (run: RunSpec) => cpuEngineFor([run]);
  const groups: PaperGroupPlan[] = [];
  for (const group of DATASET_GROUPS) {
    const groupRuns = runs.filter((r) => r.dataset.group === group);
    const wallTime = options.rates && estimateWallTime(groupRuns, options.rates, engineOf);
    const place = await placeOf(group, groupRuns, sweep, options);
    groups.push({ group, runs: groupRuns, wallTime, ...place });
  }
  return { sweep, sweepId: sweepId(sweep), runCount: runs.length, groups };
}

async function placeOf(
  group: DatasetGroup,
  runs: readonly RunSpec[],
  sweep: SweepFile,
  options: PaperPlanOptions,
): Promise<{ trainsNow: boolean; leftOut: boolean; where: string }> {
  if (options.groups && !options.groups.includes(group))
    return { trainsNow: false, leftOut: false, where: 'not run now: not in --groups' };
  let where = 'runs now';
  if (trainsOnlyOnGpu(group)) {
    const place = await options.gpuPlace(runs);
    if (!place.trains)
      return {
        trainsNow: false,
        leftOut: true,
        where: `not run here: ${place.reasons.join('; ')}; train it with --runner batch, or on a GPU machine with the same --store (the sweep resumes)`,
      };
    where += place.where;
  }
  const data = await options.groupData(sweep, group);
  if (!data.ready) return { trainsNow: false, leftOut: true, where: `not run now: ${data.reason}` };
  return { trainsNow: true, leftOut: false, where: `${where}${data.note}` };
}
