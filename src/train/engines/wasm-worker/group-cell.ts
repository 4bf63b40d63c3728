import { Random, TrainingStream } from '../../../random.js';
import { epochBatches } from '../../batches.js';
import type { EpochCell } from '../../epoch-driver.js';
import type { ModelEvaluation } from '../../evaluation.js';
import type { RunSpec } from '../../run-spec.js';
import { validationLossBatches } from '../../validation-loss.js';

/** Runs that see the same batches: same seed and batch size (protocol.md), any learning rate or mode. */
export const sameBatchesKey = (run: RunSpec) => `${run.seed}|${run.batchSize}`;

/**
 * A wasm engine's models of one group (runs with one sameBatchesKey) on one worker's kernels, by run index,
 * whatever their weights (`Weights`) are.
 */
export interface GroupModels<Weights> {
  /** Samples in the training split. */
  trainCount: number;
  trainStep(index: number, batch: Uint32Array): void;
  /** The model's current weights, and a copy of them to keep as its best. */
  current(index: number): Weights;
  copy(index: number): Weights;
  /** An evaluation of `weights` in the worker's kernels. */
  evaluation(weights: Weights): ModelEvaluation;
}

/**
 * The epoch driver's cell for a group: one permutation per epoch from the group's batch stream serves every run
 * (their initial weights, drawn once by the engine, are shared too), each run keeps its own best weights.
 */
export class GroupCell<Weights> implements EpochCell {
  private readonly best: Weights[];
  private readonly stopped: boolean[];
  private readonly batchRandom: Random;

  constructor(
    private readonly runs: readonly RunSpec[],
    private readonly models: GroupModels<Weights>,
  ) {
    this.best = runs.map((_run, index) => models.copy(index));
    this.stopped = runs.map(() => false);
    this.batchRandom = Random.stream((runs[0] as RunSpec).seed, TrainingStream.batches);
  }

  trainEpoch(): void {
    const training = this.runs.flatMap((_run, index) => (this.stopped[index] ? [] : [index]));
    const batchSize = (this.runs[0] as RunSpec).batchSize;
    // Model by model within a batch, so the batch's rows stay in cache for every model that shares it.
    for (const batch of epochBatches(this.models.trainCount, batchSize, this.batchRandom)) {
      for (const index of training) this.models.trainStep(index, batch);
    }
  }

  validationLosses(): number[] {
    return this.runs.map((run, index) =>
      this.stopped[index]
        ? Number.NaN
        : this.models.evaluation(this.models.current(index)).clean('validation', validationLossBatches(run))
            .loss,
    );
  }

  observe(improved: readonly number[], stopped: readonly number[]): void {
    for (const index of improved) this.best[index] = this.models.copy(index);
    for (const index of stopped) this.stopped[index] = true;
  }

  evaluateCurrent<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return use(this.models.evaluation(this.models.current(index)));
  }

  evaluateBest<T>(index: number, use: (model: ModelEvaluation) => T): T {
    return use(this.models.evaluation(this.best[index] as Weights));
  }

  dispose(): void {}
}
