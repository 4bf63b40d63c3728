import { type EarlyStoppingState, initialEarlyStopping, observeEpoch } from './early-stopping.js';
import type { RunOutcome } from './engine.js';
import { checkpointMetrics, finalMetrics, type ModelEvaluation, robustValidationLoss } from './evaluation.js';
import { keptWeights } from './kept-weights.js';
import type { CheckpointMetrics } from './result.js';
import type { RunSpec } from './run-spec.js';
import { SharedWallTime } from './run-timing.js';

/**
 * What the epoch driver trains: the models of one or more runs that train in lockstep, one epoch at a time (a
 * run alone on tfjs's general path, a stacked cell of tfjs or cuda, a wasm engine's group on a worker thread).
 * Runs are named by their index in the driver's `runs`. A cell knows how to train and evaluate its models; the
 * driver decides when each run stops, which weights are its best, and what it reports.
 */
export interface EpochCell {
  /** One epoch of training of every run not stopped yet (`observe`); stopped runs' weights do not change. */
  trainEpoch(): void;
  /**
   * Each run's clean validation loss (validation-loss.ts: the run's own) at its current weights, by run index; a
   * stopped run's entry is never read (a cell may leave it undefined).
   */
  validationLosses(): ArrayLike<number>;
  /** After an epoch: the runs `improved` keep their current weights as their best, the runs `stopped` train no more. */
  observe(improved: readonly number[], stopped: readonly number[]): void;
  /**
   * `use` applied to an evaluation of run `index`'s current weights, valid only during the call; never called
   * for a run after its evaluateBest.
   */
  evaluateCurrent<T>(index: number, use: (model: ModelEvaluation) => T): T;
  /** `use` applied to an evaluation of run `index`'s best weights, which is valid only during the call. */
  evaluateBest<T>(index: number, use: (model: ModelEvaluation) => T): T;
  dispose(): void;
}

export interface EpochDrive {
  runs: readonly RunSpec[];
  /** Opens the cell of `runs`; a cell that fails to open fails every run. */
  open: () => EpochCell;
  /** Awaited for every run as soon as it ends (its result) or fails (the cell's error). */
  onOutcome: (outcome: RunOutcome) => Promise<void> | void;
  /** Stops the runs between epochs: runs not finished by then get no outcome. */
  signal?: AbortSignal | undefined;
}

/**
 * The one epoch loop every engine trains with (protocol.md): each epoch, every run still training takes its
 * steps, then its clean validation loss decides early stopping (`patience` epochs without a strictly lower loss,
 * or `maxEpochs`); its best-validation weights are kept, and a run that stops reports its final metrics from
 * them (finalMetrics) with its share of the cell's wall time (run-timing.ts) while the others train on. A cell
 * that throws fails every run that has no outcome yet. Each adversarial run's validation loss under its training
 * attack is measured every epoch too, and the clean metrics of its lowest-robust-loss epoch and of its last
 * epoch are recorded (`checkpoints`) for the report's other selection rules (src/report/selection.ts). Abort is checked between epochs, once each epoch has
 * yielded to the event loop (so a SIGTERM handler, or a worker's abort message, runs).
 */
export async function driveEpochs({ runs, open, onOutcome, signal }: EpochDrive): Promise<void> {
  const clock = new SharedWallTime(runs.length);
  const stopping: EarlyStoppingState[] = runs.map(() => initialEarlyStopping);
  const robustBest: (CheckpointMetrics | undefined)[] = runs.map(() => undefined);
  const reported = new Set<number>();
  let training = runs.map((_run, index) => index);
  let cell: EpochCell | undefined;
  try {
    cell = open();
    for (let epoch = 1; training.length > 0; epoch++) {
      cell.trainEpoch();
      const losses = cell.validationLosses();
      const improved: number[] = [];
      const stopped: number[] = [];
      for (const index of training) {
        const run = runs[index] as RunSpec;
        const observed = observeEpoch(
          stopping[index] as EarlyStoppingState,
          epoch,
          losses[index] as number,
          run.patience,
        );
        stopping[index] = observed.state;
        if (observed.improved) improved.push(index);
        if (observed.stop || epoch >= run.maxEpochs) stopped.push(index);
      }
      for (const index of training) {
        const run = runs[index] as RunSpec;
        robustBest[index] = cell.evaluateCurrent(index, (model) => {
          const loss = robustValidationLoss(run, model);
          const best = robustBest[index]?.robustValidationLoss;
          // A NaN loss never wins; ties keep the earlier epoch, as early stopping does.
          if (loss === undefined || !(loss < (best ?? Number.POSITIVE_INFINITY))) return robustBest[index];
          return checkpointMetrics(run, model, epoch, loss);
        });
      }
      cell.observe(improved, stopped);
      clock.charge(training);
      training = training.filter((index) => !stopped.includes(index));
      for (const index of stopped) {
        const run = runs[index] as RunSpec;
        const lastEpoch = cell.evaluateCurrent(index, (model) => checkpointMetrics(run, model, epoch));
        const { metrics, weights } = cell.evaluateBest(index, (model) => ({
          metrics: finalMetrics(run, model),
          weights: keptWeights(run, () => model.parameters()),
        }));
        clock.charge([index]);
        const { bestEpoch } = stopping[index] as EarlyStoppingState;
        const robustValidation = robustBest[index];
        const checkpoints = robustValidation ? { robustValidation, lastEpoch } : { lastEpoch };
        reported.add(index);
        const trained = {
          epochsRun: epoch,
          bestEpoch,
          metrics,
          checkpoints,
          ...(weights ? { weights } : {}),
        };
        await onOutcome({ run, trained, ...clock.seconds(index) });
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (signal?.aborted) return;
    }
  } catch (error) {
    const failure = error instanceof Error ? error : new Error(String(error));
    for (const [index, run] of runs.entries())
      if (!reported.has(index)) await onOutcome({ run, error: failure });
  } finally {
    cell?.dispose();
  }
}
