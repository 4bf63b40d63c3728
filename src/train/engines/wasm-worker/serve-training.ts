import type { RunWallTime, TrainedRun } from '../../engine.js';
import { driveEpochs, type EpochCell } from '../../epoch-driver.js';
import type { RunSpec } from '../../run-spec.js';
import { serveUnits } from './serve-units.js';

/** A run's outcome as a worker posts it: its result and wall time, or its error's message. */
export type WorkerOutcome =
  | ({ runId: string; trained: TrainedRun } & RunWallTime)
  | { runId: string; error: string };

/**
 * The worker side of a wasm engine: each unit of runs (one group, worker-engine.ts's trainingUnits) trains with
 * the epoch driver on the cell `open` makes of it on this worker's kernels, and each run's outcome is posted as
 * soon as it ends. The pool's abort reaches the driver, which stops between epochs.
 */
export function serveTraining(open: (runs: readonly RunSpec[]) => EpochCell): void {
  serveUnits<RunSpec[], WorkerOutcome>((runs, post, signal) =>
    driveEpochs({
      runs,
      open: () => open(runs),
      signal,
      onOutcome: (outcome) => {
        const runId = outcome.run.runId;
        if ('error' in outcome) post({ runId, error: outcome.error.message });
        else {
          const { trained, runWallSeconds, cellWallSeconds } = outcome;
          post({ runId, trained, runWallSeconds, cellWallSeconds });
        }
      },
    }),
  );
}
