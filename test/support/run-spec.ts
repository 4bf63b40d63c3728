import type { RunSpec } from '../../src/train/run-spec.js';

/**
 * A run of the linear model with Adam, the clean objective and adgap's fidelity, at lr 0.01, seed 2 and
 * batches of 64; the test gives its id, dataset, mode and epochs.
 */
export const linearRun = (
  run: Pick<RunSpec, 'runId' | 'dataset' | 'mode' | 'maxEpochs' | 'patience'>,
): RunSpec => ({
  model: 'linear',
  optimizer: 'adam',
  objective: 'clean',
  fidelity: 'adgap',
  learningRate: 0.01,
  seed: 2,
  batchSize: 64,
  ...run,
});
