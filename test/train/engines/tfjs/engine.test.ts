import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_SYNTHETIC_PARAMS } from '../../../../src/datasets/types.js';
import { LocalFolderStore } from '../../../../src/store/local-folder.js';
import { stackable } from '../../../../src/train/cell-schedule.js';
import type { TrainedRun } from '../../../../src/train/engine.js';
import { createTfjsEngine } from '../../../../src/train/engines/tfjs/engine.js';
import { useFastestBackend } from '../../../../src/train/engines/tfjs-shared/tf.js';
import { pgdMethod } from '../../../../src/train/protocol.js';
import type { RunSpec } from '../../../../src/train/run-spec.js';
import { preparedDataset } from '../../../datasets/fixtures.js';
import { linearRun } from '../../../support/run-spec.js';

const dataset = {
  group: 'gaussian' as const,
  R: 2,
  dataSeed: 0,
  sizes: { train: 300, validation: 100, test: 100 },
  synthetic: DEFAULT_SYNTHETIC_PARAMS,
};
const storeDir = await mkdtemp(join(tmpdir(), 'adgap-tfjs-'));
afterAll(() => rm(storeDir, { recursive: true, force: true }));
const data = await preparedDataset(new LocalFolderStore(storeDir), dataset);

const run = linearRun({
  runId: 'determinism',
  dataset,
  maxEpochs: 4,
  patience: 2,
  mode: { kind: 'adversarial', norm: 'linf', eps: 0.5, method: { name: 'one-step' } },
});

/** One run through the engine: its result, or undefined when it produced none (aborted). */
async function trainRun(spec: RunSpec, signal?: AbortSignal): Promise<TrainedRun | undefined> {
  let trained: TrainedRun | undefined;
  await (await createTfjsEngine()).train(
    [spec],
    data,
    async (outcome) => {
      if ('error' in outcome) throw outcome.error;
      trained = outcome.trained;
    },
    signal,
  );
  return trained;
}

describe('the tfjs engine', () => {
  it('gives the same numbers twice for the same run on the same backend', async () => {
    await useFastestBackend();
    const a = await trainRun(run);
    const b = await trainRun(run);
    expect(a).toEqual(b);
  });

  it('counts every sample of each split once, per class', async () => {
    const trained = await trainRun(run);
    expect(trained?.metrics.testBalanced.total).toEqual([100, 100]);
    expect(trained?.metrics.testImbalanced.total).toEqual([100, 50]);
    expect(trained?.metrics.validation.total).toEqual([100, 50]);
  });

  it('stops after `patience` epochs without improvement and reports the best epoch', async () => {
    // A learning rate this large diverges after the first epochs, so early stopping must end the run.
    const trained = await trainRun({ ...run, learningRate: 50, maxEpochs: 40, patience: 3 });
    expect(trained?.epochsRun).toBe((trained?.bestEpoch as number) + 3);
  });

  it('trains a cell of MLP runs against PGD as one stacked cell, each run with its own robust metrics', async () => {
    const mode = { kind: 'adversarial', norm: 'linf', eps: 0.5, method: pgdMethod('linf', 0.5, 3) } as const;
    const runs = [0.01, 0.001].map((learningRate) => ({
      ...run,
      runId: `mlp-${learningRate}`,
      model: 'mlp' as const,
      optimizer: 'sgd-momentum' as const,
      learningRate,
      maxEpochs: 2,
      mode,
    }));
    expect(runs.every(stackable)).toBe(true);
    const trained = new Map<string, TrainedRun>();
    await (await createTfjsEngine()).train(runs, data, async (outcome) => {
      if ('error' in outcome) throw outcome.error;
      trained.set(outcome.run.runId, outcome.trained);
    });
    expect([...trained.keys()].sort()).toEqual(['mlp-0.001', 'mlp-0.01']);
    for (const result of trained.values()) {
      expect(result.epochsRun).toBe(2);
      expect(result.metrics.robust?.trainingAttack.attack).toEqual({
        norm: 'linf',
        eps: 0.5,
        method: mode.method,
      });
      expect(result.metrics.robust?.pgd.testBalanced.total).toEqual([100, 100]);
    }
    // Different learning rates, so different models: the cell did not train one model twice.
    const [a, b] = [...trained.values()];
    expect(a?.metrics.validation.loss).not.toBe(b?.metrics.validation.loss);
  });

  it('stops between epochs when aborted and reports nothing', async () => {
    const abort = new AbortController();
    abort.abort();
    expect(await trainRun(run, abort.signal)).toBeUndefined();
  });
});
