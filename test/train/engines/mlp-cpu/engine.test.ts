import { describe, expect, test } from 'vitest';
import type { RunOutcome } from '../../../../src/train/engine.js';
import { createMlpCpuEngine } from '../../../../src/train/engines/mlp-cpu/engine.js';
import { MlpKernels, shareWithMlpKernels } from '../../../../src/train/engines/mlp-cpu/kernels.js';
import { WASM_PRODUCTS } from '../../../../src/train/engines/mlp-cpu/products.js';
import { mlpGroup } from '../../../../src/train/engines/mlp-cpu/train-group.js';
import { GroupCell } from '../../../../src/train/engines/wasm-worker/group-cell.js';
import { driveEpochs } from '../../../../src/train/epoch-driver.js';
import { pgdMethod } from '../../../../src/train/protocol.js';
import type { RunSpec } from '../../../../src/train/run-spec.js';
import { pixels, runSpec } from '../fixtures/datasets.js';

describe('the mlp-cpu engine', () => {
  test('trains a cell on two workers: every run finishes with robust metrics equal to training it in this thread', async () => {
    const data = pixels({ train: 96, validation: 40, test: 40 });
    const mode = { kind: 'adversarial', norm: 'linf', eps: 0.1, method: pgdMethod('linf', 0.1, 3) } as const;
    const runs: RunSpec[] = [2, 22].flatMap((seed) =>
      [0.05, 0.01].map((lr) => ({
        ...runSpec(data, seed, lr, mode, { maxEpochs: 3, patience: 1 }),
        runId: `s${seed}-lr${lr}`,
        model: 'mlp' as const,
        optimizer: 'sgd-momentum' as const,
      })),
    );
    const outcomes: RunOutcome[] = [];
    await createMlpCpuEngine(2, WASM_PRODUCTS).train(runs, data, async (outcome) => {
      outcomes.push(outcome);
    });
    expect(outcomes.map((o) => o.run.runId).sort()).toEqual(runs.map((r) => r.runId).sort());
    const inThread: RunOutcome[] = [];
    const kernels = new MlpKernels(shareWithMlpKernels(data, 1, 64), 0);
    for (const seed of [2, 22]) {
      const group = runs.filter((r) => r.seed === seed);
      await driveEpochs({
        runs: group,
        open: () => new GroupCell(group, mlpGroup(group, kernels)),
        onOutcome: (outcome) => {
          inThread.push(outcome);
        },
      });
    }
    for (const outcome of outcomes) {
      if (!('trained' in outcome)) throw outcome.error;
      const { trained } = outcome;
      expect(trained.epochsRun).toBeGreaterThanOrEqual(1);
      expect(trained.metrics.robust?.pgd.attack.method).toMatchObject({ name: 'pgd', steps: 40 });
      const same = inThread.find((o) => o.run.runId === outcome.run.runId);
      expect(same && 'trained' in same && same.trained).toEqual(trained);
    }
  });
});
