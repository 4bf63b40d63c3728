import type { RunSpec } from './run-spec.js';

/**
 * The validation loss that drives early stopping and learning-rate selection. adgap's: the mean over samples.
 * The reference's (fidelity `reference`): the mean of per-batch mean losses over an unshuffled loader of the
 * run's batch size, so the samples of the last, partial batch weigh more (docs/protocol-notes.md, Fidelity).
 * Returns the batch size to average per batch, or undefined for the per-sample mean.
 */
export function validationLossBatches(run: RunSpec): number | undefined {
  return run.fidelity === 'reference' ? run.batchSize : undefined;
}

/**
 * Averages per-sample losses given in split order: their mean, or with `batchSize` the mean of the means of
 * consecutive batches of that size (the last one may be shorter).
 */
export class LossMean {
  private sum = 0;
  private count = 0;
  private batchSum = 0;
  private batchCount = 0;
  private batchMeans = 0;
  private batches = 0;

  constructor(private readonly batchSize?: number) {}

  add(loss: number): void {
    this.sum += loss;
    this.count += 1;
    if (this.batchSize === undefined) return;
    this.batchSum += loss;
    this.batchCount += 1;
    if (this.batchCount === this.batchSize) this.closeBatch();
  }

  mean(): number {
    if (this.batchSize === undefined) return this.sum / this.count;
    if (this.batchCount > 0) this.closeBatch();
    return this.batchMeans / this.batches;
  }

  private closeBatch(): void {
    this.batchMeans += this.batchSum / this.batchCount;
    this.batches += 1;
    this.batchSum = 0;
    this.batchCount = 0;
  }
}
