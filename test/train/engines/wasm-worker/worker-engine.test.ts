import { describe, expect, test } from 'vitest';
import type { RunOutcome } from '../../../../src/train/engine.js';
import { createLinearCpuEngine } from '../../../../src/train/engines/linear-cpu/engine.js';
import { trainingUnits } from '../../../../src/train/engines/wasm-worker/worker-engine.js';
import { gaussian, runSpec } from '../fixtures/datasets.js';

describe("units of work for the wasm engines' workers", () => {
  test('runs that share a seed stay in one unit, cut so each worker gets about four units', () => {
    const data = gaussian({ train: 64, validation: 10, test: 10 });
    const runs = [2, 22, 42, 62, 82].flatMap((seed) =>
      [0.1, 0.05, 0.01, 0.005, 0.001, 5e-4, 2e-4, 1e-4].map((lr) =>
        runSpec(data, seed, lr, { kind: 'standard' }),
      ),
    );
    const units = trainingUnits(runs, 2);
    expect(units).toHaveLength(10);
    for (const unit of units) {
      expect(unit).toHaveLength(4);
      expect(new Set(unit.map((r) => r.seed)).size).toBe(1);
    }
  });
});

describe('aborting a wasm engine', () => {
  test('reaches the worker mid-unit: the run that finished is reported, the one still training stops between epochs', async () => {
    const data = gaussian({ train: 64, validation: 10, test: 10 });
    const standard = { kind: 'standard' } as const;
    // One unit (one seed): the first run ends after one epoch, the second would train for a million.
    const runs = [
      runSpec(data, 2, 0.01, standard, { maxEpochs: 1, patience: 1 }),
      runSpec(data, 2, 0.001, standard, { maxEpochs: 1_000_000, patience: 1_000_000 }),
    ];
    const abort = new AbortController();
    const outcomes: RunOutcome[] = [];
    await createLinearCpuEngine(1).train(
      runs,
      data,
      async (outcome) => {
        outcomes.push(outcome);
        abort.abort();
      },
      abort.signal,
    );
    expect(outcomes.map((o) => [o.run.runId, 'trained' in o])).toEqual([['s2-lr0.01', true]]);
  });
});
