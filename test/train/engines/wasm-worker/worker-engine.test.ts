import { describe, expect, test } from 'vitest';
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
