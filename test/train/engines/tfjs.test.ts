import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../../src/datasets/load.js';
import { DEFAULT_SYNTHETIC_PARAMS } from '../../../src/datasets/types.js';
import { LocalFolderStore } from '../../../src/store/local-folder.js';
import { trainRun } from '../../../src/train/engines/tfjs.js';
import type { RunSpec } from '../../../src/train/run-spec.js';
import { useFastestBackend } from '../../../src/train/tf.js';

const dataset = {
  group: 'gaussian' as const,
  R: 2,
  dataSeed: 0,
  sizes: { train: 300, validation: 100, test: 100 },
  synthetic: DEFAULT_SYNTHETIC_PARAMS,
};
const storeDir = await mkdtemp(join(tmpdir(), 'adgap-tfjs-'));
afterAll(() => rm(storeDir, { recursive: true, force: true }));
const data = await openDataset(new LocalFolderStore(storeDir), dataset);

const run: RunSpec = {
  runId: 'determinism',
  dataset,
  model: 'linear',
  optimizer: 'adam',
  objective: 'clean',
  learningRate: 0.01,
  seed: 2,
  maxEpochs: 4,
  patience: 2,
  batchSize: 64,
  mode: { kind: 'adversarial', norm: 'linf', eps: 0.5, method: { name: 'one-step' } },
};

describe('the tfjs engine', () => {
  it('gives the same numbers twice for the same run on the same backend', async () => {
    await useFastestBackend();
    const a = await trainRun(run, data);
    const b = await trainRun(run, data);
    expect(a).toEqual(b);
  });

  it('counts every sample of each split once, per class', async () => {
    const trained = await trainRun(run, data);
    expect(trained?.metrics.testBalanced.total).toEqual([100, 100]);
    expect(trained?.metrics.testImbalanced.total).toEqual([100, 50]);
    expect(trained?.metrics.validation.total).toEqual([100, 50]);
  });

  it('stops after `patience` epochs without improvement and reports the best epoch', async () => {
    // A learning rate this large diverges after the first epochs, so early stopping must end the run.
    const trained = await trainRun({ ...run, learningRate: 50, maxEpochs: 40, patience: 3 }, data);
    expect(trained?.epochsRun).toBe((trained?.bestEpoch as number) + 3);
  });

  it('stops between epochs when aborted and reports nothing', async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await trainRun(run, data, abort.signal)).toBeUndefined();
  });
});
