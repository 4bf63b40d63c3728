import type { LoadedDataset } from '../datasets/types.js';
import type { EngineName, RunMetrics } from './result.js';
import type { RunSpec } from './run-spec.js';

/** What an engine reports for one run; the job adds the sweep, engine and timing facts to make a RunResult. */
export interface TrainedRun {
  epochsRun: number;
  bestEpoch: number;
  metrics: RunMetrics;
}

export type RunOutcome =
  | { run: RunSpec; trained: TrainedRun; wallSeconds: number }
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
