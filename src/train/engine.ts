import type { LoadedDataset } from '../datasets/types.js';
import type { EngineName, RunMetrics } from './result.js';
import type { RunSpec } from './run-spec.js';

/** What an engine reports for one run; the job adds the sweep, engine and timing facts to make a RunResult. */
export interface TrainedRun {
  epochsRun: number;
  bestEpoch: number;
  metrics: RunMetrics;
}

/**
 * A run's wall time: its own (`runWallSeconds`: alone, its training; trained together with others, its equal
 * share of every epoch it trained in plus its own evaluation, run-timing.ts) and its group's since the group
 * started (`cellWallSeconds`; the same as the run's when it trained alone).
 */
export interface RunWallTime {
  runWallSeconds: number;
  cellWallSeconds: number;
}

export type RunOutcome =
  | ({ run: RunSpec; trained: TrainedRun } & RunWallTime)
  | { run: RunSpec; error: Error };

/**
 * Trains runs that share one dataset. Engines may train them one at a time or together, but each run's numbers
 * depend only on its own spec. `onOutcome` is awaited for every run as soon as it ends, so results are stored
 * while the rest train; `signal` asks the engine to stop between steps (runs not finished get no outcome).
 */
export interface Engine {
  readonly name: EngineName;
  readonly backend: string;
  train(
    runs: readonly RunSpec[],
    data: LoadedDataset,
    onOutcome: (outcome: RunOutcome) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void>;
}
